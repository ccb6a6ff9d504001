#!/usr/bin/env python3
"""Holds sm's fcntl locks for a Node process (DESIGN.md "On dom0").

sm locks /var/lock/sm/<ns>/<name> with POSIX record locks (fcntl F_SETLK/F_SETLKW, whole file, write);
flock(2) does not exclude those and Node has no fcntl API, so the driver runs this helper and asks it
over a pipe. It dies with its parent (stdin closes), and the kernel then releases every lock it held.

Protocol, one line per request on stdin: "<id> <acquire|try|release> <path>".
Replies on stdout: "<id> ok", "<id> busy <holder pid>" (try only), "<id> error <message>".
Standard library only: it runs on dom0's python3 and on any CI machine.
"""
import errno
import fcntl
import os
import struct
import sys
import threading

_held = {}  # path -> [fd, count]
_lock = threading.Lock()
_out = threading.Lock()


def _reply(text):
    with _out:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def _open(path):
    # As sm's lock.py: create the namespace folder, open the file for writing.
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)


def _holder(fd):
    probe = struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0)
    answer = fcntl.fcntl(fd, fcntl.F_GETLK, probe)
    return struct.unpack("hhqqi", answer)[4]


def _acquire(req_id, path, blocking):
    with _lock:
        entry = _held.get(path)
        if entry is not None:
            # POSIX locks are per process: a second holder in this process would share it, as in sm.
            entry[1] += 1
            _reply("%s ok" % req_id)
            return
    fd = _open(path)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno not in (errno.EACCES, errno.EAGAIN):
            os.close(fd)
            _reply("%s error %s" % (req_id, e))
            return
        if not blocking:
            pid = _holder(fd)
            os.close(fd)
            _reply("%s busy %d" % (req_id, pid))
            return
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX)
        except OSError as e2:
            os.close(fd)
            _reply("%s error %s" % (req_id, e2))
            return
    with _lock:
        entry = _held.get(path)
        if entry is not None:
            # Another request of ours got it meanwhile; closing this fd would drop the process's lock.
            entry[1] += 1
            _reply("%s ok" % req_id)
            return
        _held[path] = [fd, 1]
    _reply("%s ok" % req_id)


def _release(req_id, path):
    with _lock:
        entry = _held.get(path)
        if entry is None:
            _reply("%s error not held" % req_id)
            return
        entry[1] -= 1
        if entry[1] == 0:
            fcntl.lockf(entry[0], fcntl.LOCK_UN)
            os.close(entry[0])
            del _held[path]
    _reply("%s ok" % req_id)


def main():
    for line in sys.stdin:
        parts = line.rstrip("\n").split(" ", 2)
        if len(parts) != 3 or not parts[2].startswith("/"):
            _reply("%s error bad request" % (parts[0] if parts else "?"))
            continue
        req_id, verb, path = parts
        if verb == "acquire":
            threading.Thread(target=_acquire, args=(req_id, path, True), daemon=True).start()
        elif verb == "try":
            _acquire(req_id, path, False)
        elif verb == "release":
            _release(req_id, path)
        else:
            _reply("%s error unknown verb" % req_id)
    # stdin closed: our parent is gone; exiting releases every lock.
    os._exit(0)


if __name__ == "__main__":
    main()
