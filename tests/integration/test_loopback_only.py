"""Everything the local stack starts is reachable from this machine only, and its data from its owner only.

Every listening socket of this process and of every process under it is found through /proc: a
socket in this machine's network namespace must be bound to a loopback address; one in another
namespace (DynamoDB Local's) must be in a namespace whose only interface is its loopback."""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.conftest import call, require_dynamodb_local
from tools.localstack import Stack, start_stack

LISTEN = {"tcp": "0A", "tcp6": "0A", "udp": "07", "udp6": "07"}  # TCP LISTEN, UDP unconnected


@dataclass(frozen=True)
class Listening:
    pid: int
    command: str
    protocol: str
    address: ipaddress.IPv4Address | ipaddress.IPv6Address
    port: int
    netns: str


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _address(text: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    host, port = text.split(":")
    raw = bytes.fromhex(host)
    # /proc prints each 32-bit word in the kernel's (little-endian) byte order.
    packed = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.ip_address(packed), int(port, 16)


def _table(pid: int) -> dict[int, tuple[str, ipaddress.IPv4Address | ipaddress.IPv6Address, int]]:
    """Listening sockets of pid's network namespace by inode."""
    table = {}
    for protocol, state in LISTEN.items():
        for line in Path(f"/proc/{pid}/net/{protocol}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == state:
                address, port = _address(fields[1])
                table[int(fields[9])] = (protocol, address, port)
    return table


def listening_sockets(root: int) -> tuple[list[Listening], dict[str, list[str]]]:
    """Every listening socket held by root or a process under it, and each namespace's interfaces."""
    tables: dict[str, dict[int, tuple[str, ipaddress.IPv4Address | ipaddress.IPv6Address, int]]] = {}
    interfaces: dict[str, list[str]] = {}
    held: list[tuple[int, str, int]] = []
    for pid in _descendants(root):
        try:
            netns = os.readlink(f"/proc/{pid}/ns/net")
            if netns not in tables:
                tables[netns] = _table(pid)
                lines = Path(f"/proc/{pid}/net/dev").read_text().splitlines()[2:]
                interfaces[netns] = [line.split(":")[0].strip() for line in lines]
            command = Path(f"/proc/{pid}/comm").read_text().strip()
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    held.append((pid, command, int(target[8:-1])))
        except FileNotFoundError:
            continue  # a process that ended while we looked
    found = []
    for pid, command, inode in held:
        for netns, table in tables.items():  # a socket keeps the namespace it was made in
            if inode in table:
                protocol, address, port = table[inode]
                found.append(Listening(pid, command, protocol, address, port, netns))
    return found, interfaces


def _loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory as an older stack left it: open to everyone."""
    path = tmp_path_factory.mktemp("var")
    (path / "dynamodb").mkdir()
    (path / "secret.key").write_text("older-key-written-with-the-default-mode")
    for each in (path, path / "dynamodb", path / "secret.key"):
        each.chmod(0o755 if each.is_dir() else 0o644)
    return path


@pytest.fixture(scope="module")
def running(data: Path) -> Iterator[Stack]:
    require_dynamodb_local()
    stack, _ = start_stack(data, port=0, site_dir=data, engine="dynamodb-local", seed_staff=True)
    try:
        yield stack
    finally:
        stack.stop()


def test_every_listening_socket_of_the_stack_is_loopback_only(running: Stack) -> None:
    assert call(f"{running.url}/api/health")[0] == 200
    found, interfaces = listening_sockets(os.getpid())
    here = os.readlink("/proc/self/ns/net")
    exposed = [s for s in found if s.netns == here and not _loopback(s.address)]
    assert not exposed, f"listening beyond this machine: {exposed}"
    private = [s for s in found if s.netns != here]
    assert private, "DynamoDB Local was expected in a network namespace of its own"
    for s in private:
        assert interfaces[s.netns] == ["lo"], f"{s} is in a namespace with {interfaces[s.netns]}"
    assert {s.command for s in private} == {"java"}
    ports = {s.port for s in found if s.netns == here}
    for url in (running.url, running.engine.endpoint, running.aux.endpoint):
        assert int(url.rsplit(":", 1)[1]) in ports  # the test saw the front, the engine and moto


def test_the_data_directory_and_its_files_are_owner_only(running: Stack, data: Path) -> None:
    status, _, _ = call(f"{running.url}/api/health")
    assert status == 200
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.parent.name == "dynamodb" for p in files), "DynamoDB Local wrote no files"
    for path in data.rglob("*"):
        want = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == want, f"{path} is {oct(path.stat().st_mode)}"
