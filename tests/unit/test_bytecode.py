"""The deployment zip carries unchecked-hash bytecode for each .py, and a read-only copy of it
imports from that bytecode without compiling."""

import importlib.util
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tools.bytecode import BytecodeError, add_bytecode, check_runtime, template_runtime

RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
SOURCES = {"top.py": "VALUE = 'zip'\n", "pkg/__init__.py": "", "pkg/mod.py": "from top import VALUE\n",
           "pkg/data.json": "{}\n", "broken.py": "def (\n"}


def _cache(name: str) -> str:
    return Path(importlib.util.cache_from_source(name)).as_posix()


def _package(tmp_path: Path) -> Path:
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, text in SOURCES.items():
            out.writestr(name, text)
        out.writestr(_cache("pkg/mod.py"), b"stale timestamp pyc")  # copied from a source tree
    return path


def test_each_source_gets_its_bytecode_and_the_zip_is_sorted_with_fixed_times(tmp_path):
    path = _package(tmp_path)
    assert add_bytecode(path, RUNTIME) == (4, 3)  # broken.py does not compile
    with zipfile.ZipFile(path) as result:
        names = result.namelist()
        assert names == sorted(names)
        assert {_cache(n) for n in ("top.py", "pkg/__init__.py", "pkg/mod.py")} <= set(names)
        assert _cache("broken.py") not in names
        assert {info.date_time for info in result.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        pyc = result.read(_cache("pkg/mod.py"))
        assert pyc[:4] == importlib.util.MAGIC_NUMBER and pyc != b"stale timestamp pyc"
        assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, not checked against the source
    first = path.read_bytes()
    add_bytecode(path, RUNTIME)
    assert path.read_bytes() == first


def test_a_read_only_extracted_copy_imports_from_the_bytecode(tmp_path):
    path = _package(tmp_path)
    add_bytecode(path, RUNTIME)
    task = tmp_path / "task"
    with zipfile.ZipFile(path) as result:
        result.extractall(task)
    # The source changes after compiling: only a module loaded from its bytecode still says "zip".
    (task / "top.py").write_text("VALUE = 'source'\n")
    for entry in [*task.rglob("*"), task]:
        entry.chmod(entry.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        probe = ("import sys; sys.path.insert(0, sys.argv[1]); import pkg.mod, top; "
                 "print(pkg.mod.VALUE, pkg.mod.__cached__)")
        out = subprocess.run([sys.executable, "-c", probe, str(task)], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}).stdout.split()
        assert out[0] == "zip"
        assert Path(out[1]) == task / _cache("pkg/mod.py") and Path(out[1]).exists()
    finally:
        for entry in [task, *task.rglob("*")]:
            entry.chmod(entry.stat().st_mode | stat.S_IWUSR)


def test_bytecode_is_refused_for_another_runtime(tmp_path):
    path = _package(tmp_path)
    before = path.read_bytes()
    with pytest.raises(BytecodeError, match=r"python3\.9"):
        add_bytecode(path, "python3.9")
    assert path.read_bytes() == before
    check_runtime(RUNTIME)


def test_the_runtime_is_the_one_all_functions_share():
    def function(runtime: str) -> dict[str, object]:
        return {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": runtime}}

    edge = {"Type": "AWS::CloudFront::Function", "Properties": {"Runtime": "cloudfront-js-2.0"}}
    assert template_runtime({"Resources": {"A": function("python3.11"), "B": function("python3.11"),
                                           "Edge": edge}}) == "python3.11"
    with pytest.raises(BytecodeError, match="one Python runtime"):
        template_runtime({"Resources": {"A": function("python3.11"), "B": function("python3.12")}})
