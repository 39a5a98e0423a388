"""`make smoke` against the local stack (the built portal and the API on DynamoDB Local): the
probes pass after `prepare` filed the test request, and a missing page, a wrong reference or no
reference at all fail them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.integration.conftest import require_dynamodb_local
from tools import smoke
from tools.localstack import DEFAULT_SITE, Stack, start_stack


@pytest.fixture(scope="module")
def portal_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_dynamodb_local()
    if not (DEFAULT_SITE / "index.html").exists():
        skip_or_fail("the portal is not built (make site)")
    running, _ = start_stack(tmp_path_factory.mktemp("var"), port=0, site_dir=DEFAULT_SITE,
                             engine="dynamodb-local", seed_staff=False)
    try:
        yield running
    finally:
        running.stop()


def test_the_probes_pass_against_the_local_stack(portal_stack, tmp_path: Path, monkeypatch):
    state = tmp_path / "smoke.json"
    monkeypatch.setattr(smoke, "STATE", state)
    assert smoke.main(["--base", portal_stack.url, "prepare", "--phone", "13912345678"]) == 0
    saved = json.loads(state.read_text("utf-8"))[portal_stack.url]
    assert saved["phone"] == "13912345678" and len(saved["reference"]) >= 8
    assert state.stat().st_mode & 0o777 == 0o600

    lines: list[str] = []
    assert smoke.run(portal_stack.url, saved["reference"], saved["phone"], lines.append) is True
    assert sum(line.startswith("  ok  ") for line in lines) == len(smoke.probes("", None, None)) == 6
    assert lines[-1] == "all probes passed"
    # The command line reads the saved reference.
    assert smoke.main(["--base", portal_stack.url + "/", "probe"]) == 0


def test_a_failing_probe_fails_the_check(portal_stack, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(smoke, "STATE", tmp_path / "none.json")
    monkeypatch.delenv("SMOKE_REFERENCE", raising=False)
    lines: list[str] = []
    assert smoke.run(portal_stack.url, None, None, lines.append) is False
    assert any(line.startswith("  FAIL status look-up") and "make smoke-prepare" in line for line in lines)

    lines.clear()
    assert smoke.run(portal_stack.url, "ZF7K-3QW9", "13912345678", lines.append) is False
    assert any(line.startswith("  FAIL status look-up") and "status 404" in line for line in lines)

    monkeypatch.setattr(smoke, "probes", lambda base, r, p: [("a page that is not there", smoke._page(base, "/nope/"))])
    lines.clear()
    assert smoke.run(portal_stack.url, None, None, lines.append) is False
    assert lines[-2].startswith("  FAIL a page that is not there") and "status 404" in lines[-2]
    assert smoke.main(["--base", "http://127.0.0.1:9", "probe"]) == 1  # nothing listening
