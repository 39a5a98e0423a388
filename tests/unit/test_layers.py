"""The import contracts in pyproject.toml hold on the code, and they fail when a forbidden import is
planted in a copy of the package: the linter is not merely configured, it bites."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "functions" / "chalicelib"
LINT = Path(sys.executable).parent / "lint-imports"
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def lint(functions: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
                          cwd=functions, env={**os.environ, "PYTHONPATH": str(functions), "COLUMNS": "400"},
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_code_keeps_every_contract():
    result = lint(ROOT / "functions")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


def test_every_store_is_protected():
    stores = {p.parent.name for p in PACKAGE.glob("*/store.py")}
    protected = {c["protected_modules"][0].split(".")[1] for c in CONTRACTS
                 if c["type"] == "protected" and c["protected_modules"][0].endswith(".store")}
    assert stores == protected


PLANTED = [
    # (the contract it breaks, the module it goes into, the import)
    ("core", "core/planted.py", "from chalicelib.orgs import service\n"),
    ("layers", "fund/store.py", "from chalicelib.fund import service\n"),
    ("routes", "booking/service.py", "from chalicelib.support import routes\n"),
    ("orgs-store", "booking/service.py", "from chalicelib.orgs import store\n"),
    ("acyclic", "hardship/models.py", "from chalicelib.status import service\n"),
]


def test_planted_violations_break_their_contracts(tmp_path):
    """One copy of the package with one forbidden import per contract kind; each contract is checked
    on its own, and the untouched ones stay kept."""
    copy = tmp_path / "functions"
    shutil.copytree(PACKAGE, copy / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    for _, module, text in PLANTED:
        target = copy / "chalicelib" / module
        target.write_text(target.read_text() + text if target.exists() else text)
    result = lint(copy)
    assert result.returncode == 1, result.stdout + result.stderr
    names = {c["id"]: c["name"] for c in CONTRACTS}
    broken = {contract for contract, _, _ in PLANTED}
    for contract in broken:
        assert f"{names[contract]} BROKEN" in result.stdout, contract
    assert f"Contracts: {len(CONTRACTS) - len(broken)} kept, {len(broken)} broken." in result.stdout
