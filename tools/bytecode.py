"""Compiled bytecode for the Lambda deployment package.

`chalice package` zips sources only, and a function's code directory (/var/task) is read-only, so
without bytecode in the zip every cold start compiles each module it imports. `add_bytecode`
rewrites the zip with `__pycache__/<name>.cpython-311.pyc` beside each .py, compiled by compileall
as unchecked-hash pycs (zip timestamps say nothing about the sources, which never change in a
function), and keeps the zip deterministic: entries sorted by name, one fixed timestamp.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

# Where Lambda unpacks a function's code: the file names compiled into tracebacks.
TASK_ROOT = "/var/task"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16


class BytecodeError(RuntimeError):
    """The zip cannot get bytecode for its runtime; the message says why."""


def template_runtime(template: dict[str, Any]) -> str:
    """The one Python runtime the template's functions share (they share the zip)."""
    default = template.get("Globals", {}).get("Function", {}).get("Runtime")
    runtimes = {resource.get("Properties", {}).get("Runtime", default)
                for resource in template.get("Resources", {}).values()
                if resource.get("Type") == "AWS::Serverless::Function"}
    if len(runtimes) != 1 or not str(next(iter(runtimes))).startswith("python"):
        raise BytecodeError(f"the functions must share one Python runtime, they have {sorted(map(str, runtimes))}")
    return str(runtimes.pop())


def check_runtime(runtime: str) -> None:
    """A .pyc is only read by the Python version that wrote it: refuse to compile for another."""
    local = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != local:
        raise BytecodeError(f"the functions run on {runtime}, this interpreter is {local}: "
                            f"package with {runtime} so the bytecode matches the runtime")


def _compile(root: Path) -> None:
    """compileall in a new interpreter with a fixed hash seed: marshal's output depends on the
    compiling process (set order follows string hashes, shared references follow reference counts),
    so the same sources give the same bytes only from the same fresh process."""
    cmd = [sys.executable, "-m", "compileall", "-qq", "-f", "-o", "0", "-j", "1", "-d", TASK_ROOT,
           "--invalidation-mode", "unchecked-hash", str(root)]
    result = subprocess.run(cmd, env={**os.environ, "PYTHONHASHSEED": "0"}, check=False)
    if result.returncode not in (0, 1):  # 1: some file does not compile; it gets no .pyc
        raise BytecodeError(f"compileall failed (exit {result.returncode})")


def add_bytecode(zip_path: Path, runtime: str) -> tuple[int, int]:
    """Rewrite `zip_path` with a compiled .pyc for each of its .py files; any .pyc the zip already
    had in a __pycache__ (stale, timestamp-checked ones copied from a source tree) is replaced.
    Returns (sources, compiled): a file that does not compile (never importable) gets no .pyc."""
    check_runtime(runtime)
    with zipfile.ZipFile(zip_path) as source:
        files = {info.filename: (info.external_attr, source.read(info)) for info in source.infolist()
                 if not info.is_dir() and not (info.filename.endswith(".pyc") and "__pycache__/" in info.filename)}
    sources = [name for name in files if name.endswith(".py")]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in sources:
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[name][1])
        _compile(root)
        compiled = {path.relative_to(root).as_posix(): (_FILE_MODE, path.read_bytes())
                    for path in root.rglob("__pycache__/*.pyc")}
    files.update(compiled)
    staged = zip_path.with_name(zip_path.name + ".tmp")
    with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as out:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.external_attr, data = files[name]
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)
    staged.replace(zip_path)
    return len(sources), len(compiled)
