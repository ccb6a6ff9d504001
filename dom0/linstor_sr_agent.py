"""The launchers' side of linstor-sr-agent's socket (agent/frame.ts has the protocol).

run_in_agent(kind, argv) hands one call to the host's agent and ends this process with the call's
answer, as the Node entry would have ended it. It returns only when no agent takes the call — none
listening, a busy one, no greeting within GREETING_SECONDS, LINSTOR_SR_AGENT=off — and then the
launcher runs the Node entry itself. Once the request is sent the call belongs to the agent: a
connection that closes without an answer means the call died, and this process dies by SIGKILL as the
driver would have, so that its caller never sees an answer the call did not give (nor runs it twice).
Standard library only: it runs on dom0's python3 at every driver verb.
"""
import json
import os
import signal
import socket
import struct

SOCKET = "/run/linstor-sr/agent.sock"
GREETING_SECONDS = 2.0


def socket_path(environ):
    # LINSTOR_SR_AGENT_SOCKET: the simulated pools, whose host roots can be too deep for a socket path.
    if environ.get("LINSTOR_SR_AGENT_SOCKET"):
        return environ["LINSTOR_SR_AGENT_SOCKET"]
    root = environ.get("LINSTOR_SR_ROOT") or "/"
    return os.path.join(root, SOCKET.lstrip("/"))


def _greeting(sock):
    data = b""
    while not data.endswith(b"\n") and len(data) < 16:
        chunk = sock.recv(16 - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _read_answer(sock):
    data = b""
    while True:
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        data += chunk
    if len(data) < 4:
        return None
    (length,) = struct.unpack(">I", data[:4])
    if len(data) != 4 + length:
        return None
    return json.loads(data[4:].decode("utf-8"))


def _write_all(fd, text):
    data = text.encode("utf-8")
    while data:
        data = data[os.write(fd, data):]


def _die_as_killed():
    os.kill(os.getpid(), signal.SIGKILL)


def run_in_agent(kind, argv):
    environ = dict(os.environ)
    if environ.get("LINSTOR_SR_AGENT") == "off":
        return
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(GREETING_SECONDS)
        sock.connect(socket_path(environ))
        if _greeting(sock) != b"ready\n":
            return
        body = json.dumps({"kind": kind, "argv": list(argv), "env": environ, "pid": os.getpid()}).encode("utf-8")
        frame = struct.pack(">I", len(body)) + body
    except (OSError, ValueError):
        sock.close()
        return
    # From the first byte sent, the call is the agent's.
    try:
        sock.settimeout(None)
        sock.sendall(frame)
        answer = _read_answer(sock)
    except (OSError, ValueError):
        answer = None
    if not isinstance(answer, dict):
        _die_as_killed()
    try:
        _write_all(1, answer.get("stdout") or "")
        _write_all(2, answer.get("stderr") or "")
    except OSError:
        os._exit(1)
    os._exit(int(answer.get("exitCode", 1)))
