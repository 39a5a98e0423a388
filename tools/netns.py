"""DynamoDB Local behind loopback only.

DynamoDB Local has no option to choose the address it listens on: it listens on every interface.
So it runs in a network namespace of its own, whose only interface is its own loopback, started
with util-linux's `unshare` (as root `unshare --net`, otherwise `unshare --net --map-root-user`
where unprivileged user namespaces are enabled). The listening socket outside is made first, bound
to 127.0.0.1 in the machine's namespace, and inherited by `python -m tools.netns`, which runs inside:
a socket keeps the namespace it was made in. That helper brings the private loopback up, starts
Java on it, and joins each connection it accepts outside to one it opens to Java inside, copying
bytes in its own process (not in the app's, whose threads it would otherwise compete with).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import functools
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1
_PR_SET_PDEATHSIG = 1
_CHUNK = 256 * 1024
INNER_PORT = 8000  # inside the namespace, where nothing else listens


def loopback_up() -> None:
    """Bring the namespace's `lo` up (what `ip link set lo up` does), without iproute2."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sh22x", b"lo", 0)
        flags = struct.unpack("16sh22x", fcntl.ioctl(s, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", flags | _IFF_UP))


def unshare_commands() -> list[list[str]]:
    """The ways to start a process in a new network namespace, most direct first."""
    commands = [["unshare", "--net"]] if os.geteuid() == 0 else []
    return [*commands, ["unshare", "--net", "--map-root-user"]]


@functools.cache
def isolation() -> tuple[list[str] | None, str]:
    """The `unshare` command that works here (and can bring up the loopback), or None and why not."""
    errors = []
    for command in unshare_commands():
        try:
            result = subprocess.run([*command, sys.executable, "-m", "tools.netns", "--check"],
                                    capture_output=True, text=True, timeout=30, check=False,
                                    cwd=Path(__file__).resolve().parent.parent)
        except (OSError, subprocess.TimeoutExpired) as exc:
            errors.append(f"{' '.join(command)}: {exc}")
            continue
        if result.returncode == 0 and result.stdout.strip() == "isolated":
            return command, ""
        errors.append(f"{' '.join(command)}: {(result.stderr.strip() or result.stdout.strip())[-200:]}")
    return None, "; ".join(errors)


def _die_with_parent() -> None:
    """In the child before exec: end when the helper ends, even by SIGKILL (no orphaned Java)."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(_CHUNK):
            target.sendall(data)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def _join(client: socket.socket, port: int) -> None:
    with client:
        try:
            inner = socket.create_connection(("127.0.0.1", port))
        except OSError:
            return
        with inner:
            for s in (client, inner):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            back = threading.Thread(target=_pump, args=(inner, client), daemon=True)
            back.start()
            _pump(client, inner)
            back.join()


def _accept(listener: socket.socket, port: int) -> None:
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_join, args=(client, port), daemon=True).start()


def _wait_for_engine(engine: subprocess.Popen[bytes], port: int) -> bool:
    while engine.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
        time.sleep(0.1)
    return False


def serve(listen_fd: int, port: int, command: list[str]) -> int:
    """Inside the namespace: loopback up, start the engine, say "ready", forward until it ends."""
    loopback_up()
    os.umask(0o077)  # the engine's files under var/ readable by their owner only
    listener = socket.socket(fileno=listen_fd)
    engine = subprocess.Popen(command, preexec_fn=_die_with_parent,
                              stdout=subprocess.DEVNULL)
    signal.signal(signal.SIGTERM, lambda *_: engine.terminate())
    if _wait_for_engine(engine, port):
        print("ready", flush=True)
        threading.Thread(target=_accept, args=(listener, port), daemon=True).start()
    return engine.wait()


def start(unshare: list[str], port: int, command: list[str], cwd: Path,
          timeout: float = 60) -> tuple[subprocess.Popen[bytes], int]:
    """Start command in a private network namespace, reachable at 127.0.0.1:port (0: any free port)
    outside. Returns the helper's process and the port once the engine answers."""
    with socket.create_server(("127.0.0.1", port), backlog=256) as listener:
        fd = listener.fileno()
        proc = subprocess.Popen([*unshare, sys.executable, "-m", "tools.netns", str(fd), str(INNER_PORT), "--",
                                 *command], pass_fds=[fd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, cwd=cwd)
        outside = int(listener.getsockname()[1])
    assert proc.stdout is not None
    with selectors.DefaultSelector() as waiting:
        waiting.register(proc.stdout, selectors.EVENT_READ)
        ready = waiting.select(timeout) and proc.stdout.readline() == b"ready\n"
    assert proc.stderr is not None
    if not ready:
        proc.kill()
        proc.wait()
        why = proc.stderr.read().decode(errors="replace").strip()[-500:]
        raise RuntimeError(f"the engine did not start in its namespace (exit code {proc.returncode}): {why}")
    threading.Thread(target=_drain, args=(proc.stderr,), daemon=True).start()  # a full pipe would stall Java
    return proc, outside


def _drain(stream: IO[bytes]) -> None:
    while stream.read(65536):
        pass


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        loopback_up()
        interfaces = [line.split(":")[0].strip() for line in Path("/proc/net/dev").read_text().splitlines()[2:]]
        print("isolated" if interfaces == ["lo"] else f"not isolated: {interfaces}")
        return 0
    listen_fd, port, separator, *command = argv
    if separator != "--" or not command:
        raise SystemExit("usage: python -m tools.netns LISTENING_FD INNER_PORT -- COMMAND...")
    return serve(int(listen_fd), int(port), command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
