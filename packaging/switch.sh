# linstor-sr package scriptlets: what keeps the linstor-sr-switch choice across package transactions.
# scripts/rpm.mjs writes this file into every scriptlet of linstor-sr.spec, because a scriptlet may run
# when the package's own files are already gone (erase, upgrade). POSIX sh only (dom0 runs bash; the
# package tests run busybox). Same paths, links, state file and backup folder as
# tools/linstor-sr-switch/managed.ts — test/packaging/switch-sh.test.ts compares them.

# <path sm's package owns>:<the relative link to our tree that replaces it>
lsr_paths='/opt/xensource/sm/LinstorSR:linstor-sr/LinstorSR.py /opt/xensource/sm/LinstorSR.py:linstor-sr/LinstorSR.py /etc/xapi.d/plugins/linstor-manager:../../../opt/xensource/sm/linstor-sr/linstor-manager.py /opt/xensource/bin/linstor-kv-tool:../sm/linstor-sr/linstor-kv-tool'
lsr_state=/var/lib/linstor-sr/switch-state
lsr_backup=/var/lib/linstor-sr/sm-backup

lsr_enabled() {
    [ -f "$lsr_state" ] && grep -qx 'state=enabled' "$lsr_state"
}

# A second name for sm's file: a hard link keeps the very file (bytes, mode, owner, mtime — a link's
# too, which cp cannot set); another filesystem gets a copy.
lsr_keep() {
    if [ "$(stat -c %d "${1%/*}")" = "$(stat -c %d "${2%/*}")" ]; then
        ln "$1" "$2"
    else
        cp -a "$1" "$2"
    fi
}

# After sm's package wrote its files (install or update of sm, or of ours): when the switch is
# enabled, back sm's files up again and put our links back over them. A path that is already our
# link keeps its backup. Each step replaces a file in one rename.
lsr_reapply() {
    lsr_enabled || return 0
    for lsr_entry in $lsr_paths; do
        lsr_p=${lsr_entry%%:*}
        lsr_t=${lsr_entry#*:}
        [ "$(readlink "$lsr_p")" = "$lsr_t" ] && continue
        if [ ! -e "$lsr_p" ] && [ ! -L "$lsr_p" ]; then
            echo "linstor-sr: $lsr_p is missing: left as it is" >&2
            continue
        fi
        rm -f "$lsr_backup$lsr_p.linstor-sr-new"
        mkdir -p "$lsr_backup${lsr_p%/*}" &&
            lsr_keep "$lsr_p" "$lsr_backup$lsr_p.linstor-sr-new" &&
            mv -f "$lsr_backup$lsr_p.linstor-sr-new" "$lsr_backup$lsr_p" || {
            echo "linstor-sr: cannot back up $lsr_p: sm's file stays in use" >&2
            continue
        }
        ln -sfn "$lsr_t" "$lsr_p.linstor-sr-new" && mv -f "$lsr_p.linstor-sr-new" "$lsr_p" ||
            echo "linstor-sr: cannot link $lsr_p to $lsr_t" >&2
    done
}

# Before our files go (erase): move sm's files back where ours are (the same files, renamed), and
# forget the switch. A path that sm's package rewrote meanwhile keeps sm's new file; its old backup is dropped.
# A backup that cannot be restored is kept, and named.
lsr_restore() {
    lsr_failed=
    for lsr_entry in $lsr_paths; do
        lsr_p=${lsr_entry%%:*}
        lsr_t=${lsr_entry#*:}
        if [ "$(readlink "$lsr_p")" = "$lsr_t" ]; then
            if [ ! -e "$lsr_backup$lsr_p" ] && [ ! -L "$lsr_backup$lsr_p" ]; then
                echo "linstor-sr: no backup of sm's $lsr_p (it will link to nothing): run yum reinstall sm" >&2
                lsr_failed=1
                continue
            fi
            mv -f "$lsr_backup$lsr_p" "$lsr_p.linstor-sr-new" && mv -f "$lsr_p.linstor-sr-new" "$lsr_p" || {
                echo "linstor-sr: cannot restore $lsr_p from $lsr_backup$lsr_p: run yum reinstall sm" >&2
                lsr_failed=1
                continue
            }
        fi
        rm -f "$lsr_backup$lsr_p"
    done
    [ -z "$lsr_failed" ] && rm -rf "$lsr_backup"
    rm -f "$lsr_state"
}

lsr_post() {
    if [ "$1" = 1 ] && ! lsr_enabled; then
        echo "linstor-sr installed; this host still runs sm's LINSTOR driver until: linstor-sr-switch enable"
    fi
}

# $1: how many linstor-sr packages remain (0: erase, 1: upgrade, where the new version keeps the state).
lsr_preun() {
    [ "$1" = 0 ] && lsr_restore
    return 0
}

# $1: how many sm packages remain. Once sm is erased its files are gone: their backups are stale.
lsr_sm_gone() {
    [ "$1" = 0 ] && rm -rf "$lsr_backup"
    return 0
}
