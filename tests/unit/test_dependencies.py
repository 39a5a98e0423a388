"""functions/requirements.txt (what Lambda gets) and the dev lock come from pyproject.toml;
they must agree with it and with each other."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def _declared(lines: list[str]) -> dict[str, str]:
    result = {}
    for spec in lines:
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)$", spec)
        assert match, f"dependency not pinned exactly: {spec}"
        result[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return result


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = _declared(PROJECT["dependencies"])
DEV = _declared(PROJECT["optional-dependencies"]["dev"])
LAMBDA = _pins(ROOT / "functions" / "requirements.txt")
LOCK = _pins(ROOT / "requirements-dev.lock")


def test_every_runtime_dependency_reaches_lambda_at_its_pin():
    for name, version in RUNTIME.items():
        assert LAMBDA.get(name) == version, f"{name}: pyproject {version}, Lambda {LAMBDA.get(name)}"


def test_lambda_gets_exactly_what_the_dev_install_has():
    for name, version in LAMBDA.items():
        assert LOCK.get(name) == version, f"{name}: Lambda {version}, dev lock {LOCK.get(name)}"


def test_every_declared_dependency_is_locked_at_its_pin():
    for name, version in {**RUNTIME, **DEV}.items():
        assert LOCK.get(name) == version, f"{name}: pyproject {version}, dev lock {LOCK.get(name)}"


def test_lambda_does_not_get_development_tools():
    assert not set(LAMBDA) & {"chalice", "moto", "pytest", "mypy", "ruff", "mkdocs", "playwright"}
