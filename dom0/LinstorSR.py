#!/usr/bin/env python3
"""/opt/xensource/sm/linstor-sr/LinstorSR.py: the LINSTOR driver's entry point beside sm (DESIGN.md "On dom0").

XAPI runs /opt/xensource/sm/LinstorSR, and sm imports /opt/xensource/sm/LinstorSR.py: `linstor-sr-switch
enable` makes both links to this file. Run as a program, it hands the call to the host's agent
(linstor-sr-agent, through linstor_sr_agent.py) or, when no agent takes it, execs the bundled Node driver
with the same argv, on the package's own Node runtime: no sm import, one bare interpreter start.

sm's own Python code also loads this file as a module named LinstorSR: on_slave.is_open imports it for
every SR type, and SR.from_uuid / sr_health_check load the SM record's driver file. As a module it
provides DRIVER_INFO (generated at build time from the driver's, so the two never differ) and a cheap
SR/VDI pair registered for type "linstor" whose construction never fails and whose vdi(uuid).path is the
path the VDI's tapdisk serves (blktap2.md §4.5, strategy B).
"""
import os
import sys

DRIVER_INFO = None  # @generated DRIVER_INFO
DRIVER_CONFIG = {"ATTACH_FROM_CONFIG_WITH_TAPDISK": False}
DRIVER_TYPE = "linstor"

_HERE = os.path.dirname(os.path.realpath(__file__))


def _bundle():
    """The Node driver: linstor-sr/LinstorSR beside this file (installed), or LinstorSR in the same folder (dist/)."""
    me = os.path.realpath(__file__)
    for candidate in (os.path.join(_HERE, "linstor-sr", "LinstorSR"), os.path.join(_HERE, "LinstorSR")):
        if os.path.exists(candidate) and os.path.realpath(candidate) != me:
            return candidate
    return None


def _root():
    return os.environ.get("LINSTOR_SR_ROOT") or "/"


def served_path(sr_uuid, vdi_uuid):
    """The target of /dev/sm/phy/<sr>/<vdi> (made at activate), or a path no tapdisk ever serves."""
    link = os.path.join(_root(), "dev/sm/phy", sr_uuid, vdi_uuid)
    try:
        return os.readlink(link)
    except OSError:
        # Not None: sm's lookup without a path would list every tapdisk and answer "open".
        return "/dev/linstor-sr/not-active/%s" % vdi_uuid


def _runtime(bundle):
    """The Node runtime the package ships beside the bundles (linstor-sr/node/bin/node), if any.

    Run explicitly rather than through the bundle's #! line, so that the driver runs on that runtime
    wherever the tree is (a scratch root in tests) and never on whatever `node` a PATH would find.
    """
    node = os.path.join(os.path.dirname(bundle), "node", "bin", "node")
    return node if os.access(node, os.X_OK) else None


def check_sr(sr_uuid):
    """Runs `LinstorSR --check-sr <sr_uuid>` on the bundled runtime; True when it ran and exited 0."""
    import subprocess

    bundle = _bundle()
    if bundle is None:
        return False
    node = _runtime(bundle)
    argv = ([node, bundle] if node else [bundle]) + ["--check-sr", sr_uuid]
    try:
        with open(os.devnull, "wb") as devnull:
            return subprocess.call(argv, stdout=devnull, timeout=600) == 0
    except Exception:  # noqa: BLE001 - a health check must not fail because of a backup
        return False


if __name__ == "__main__":
    # The host's agent runs the call warm when it can (and then this process ends there); else the Node entry.
    sys.path.insert(0, _HERE)
    import linstor_sr_agent

    linstor_sr_agent.run_in_agent("driver", sys.argv[1:])
    bundle = _bundle()
    if bundle is None:
        sys.stderr.write("LinstorSR.py: the Node driver is not installed next to %s\n" % _HERE)
        sys.exit(1)
    node = _runtime(bundle)
    if node is None:
        os.execv(bundle, [bundle] + sys.argv[1:])
    os.execv(node, [node, bundle] + sys.argv[1:])
else:
    import SR  # sm's base classes; present wherever sm loads drivers as modules
    import VDI

    class LinstorSR(SR.SR):
        """Enough of an SR for sm's module users: cheap, never failing, no LINSTOR access."""

        DRIVER_TYPE = DRIVER_TYPE

        @staticmethod
        def handles(type):
            return type == DRIVER_TYPE

        def __init__(self, srcmd, sr_uuid):
            # Not SR.SR.__init__: it reads parameters and may call xapi; nothing here must fail.
            self.srcmd = srcmd
            self.uuid = sr_uuid
            self.sr_vditype = "vhd"
            self.path = "/dev/drbd/by-res/"
            self.vdis = {}
            params = getattr(srcmd, "params", None) or {}
            self.dconf = params.get("device_config", {}) if isinstance(params, dict) else {}
            self.session = None

        def load(self, sr_uuid):
            pass

        def check_sr(self, sr_uuid):
            # sm's health check timer: the Node driver takes the hourly "auto" database backup there (on
            # the controller's host only); nothing else to repair, sr_attach/sr_scan do that. It must never
            # fail the health check, so any failure to run it is ignored (the driver logs its own).
            check_sr(sr_uuid)

        def vdi(self, uuid):
            return LinstorVDI(self, uuid)

    class LinstorVDI(VDI.VDI):
        def __init__(self, sr, uuid):
            self.sr = sr
            self.uuid = uuid
            self.path = served_path(sr.uuid, uuid)
            self.sm_config_override = {}

        def load(self, vdi_uuid):
            pass

    SR.registerSR(LinstorSR)
