"""Synthetic check of a deployment: `make smoke BASE=https://...` (read-only probes).

    python -m tools.smoke --base https://portal.example probe [--reference R --phone P]
    python -m tools.smoke --base https://portal.example prepare --phone 139...

`probe` asks, in order, and exits 1 if any answer is wrong (0 when all are right):
  - the portal's home page and the staff sign-in page (HTML, with the hotline's tel: link) and the
    forms script;
  - GET /api/health: 200, status ok, the table ACTIVE, and an X-Request-Id header;
  - GET /api/openapi.json: an OpenAPI 3.1 description that has the status look-up;
  - POST /api/status/lookup with the known test reference and phone: 200 and that reference.
It writes nothing except what every look-up writes: one count against the reference's rate limit
(10 in 10 minutes), so run it at most once a minute.

The test reference is one support request filed once per deployment by `prepare` (a write,
clearly marked in its description as the synthetic check's, in the queue of `--unit`). `prepare`
prints the reference and keeps reference and phone in var/smoke.json under the base URL; `probe`
takes them from --reference/--phone, else SMOKE_REFERENCE/SMOKE_PHONE, else that file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.engines import ROOT

STATE = ROOT / "var" / "smoke.json"
TIMEOUT = 15.0
TEST_DESCRIPTION = "线上巡检（make smoke）使用的测试求助：用于定时查询办理进度，请勿办理、转办或删除。"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")


def fetch(url: str, method: str = "GET", payload: Any = None, headers: dict[str, str] | None = None) -> Answer:
    data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Accept": "application/json, application/problem+json, text/html", "User-Agent": "worker-services-smoke",
        **({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, dict(exc.headers), exc.read())


class ProbeFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise ProbeFailed(message)


def _page(base: str, path: str) -> Callable[[], str]:
    def probe() -> str:
        answer = fetch(base + path)
        expect(answer.status == 200, f"status {answer.status}")
        expect(answer.header("Content-Type").startswith("text/html"), f"content type {answer.header('Content-Type')}")
        expect(b'href="tel:' in answer.body, "no hotline tel: link on the page")
        return f"{len(answer.body)} bytes"
    return probe


def _script(base: str) -> str:
    answer = fetch(base + "/assets/javascripts/forms.js")
    expect(answer.status == 200, f"status {answer.status}")
    expect("javascript" in answer.header("Content-Type"), f"content type {answer.header('Content-Type')}")
    return f"{len(answer.body)} bytes"


def _health(base: str) -> str:
    answer = fetch(base + "/api/health")
    expect(answer.status == 200, f"status {answer.status}: {answer.body[:200]!r}")
    body = answer.json()
    expect(body.get("status") == "ok", f"status {body.get('status')!r}")
    expect((body.get("table") or {}).get("status") == "ACTIVE", f"table {body.get('table')!r}")
    expect(bool(answer.header("X-Request-Id")), "no X-Request-Id header")
    return f"engine {body.get('engine')}, table ACTIVE"


def _openapi(base: str) -> str:
    answer = fetch(base + "/api/openapi.json")
    expect(answer.status == 200, f"status {answer.status}")
    body = answer.json()
    expect(str(body.get("openapi", "")).startswith("3.1"), f"openapi {body.get('openapi')!r}")
    expect("/status/lookup" in body.get("paths", {}), "no /status/lookup in the description")
    return f"{len(body['paths'])} paths"


def _lookup(base: str, reference: str | None, phone: str | None) -> str:
    expect(bool(reference and phone), "no test reference: run `make smoke-prepare BASE=... PHONE=...` once, "
                                      "or set SMOKE_REFERENCE and SMOKE_PHONE")
    answer = fetch(base + "/api/status/lookup", "POST", {"reference": reference, "phone": phone})
    expect(answer.status == 200, f"status {answer.status}: {answer.body[:300].decode(errors='replace')}")
    body = answer.json()
    expect(str(body.get("reference", "")).upper() == str(reference).upper(), f"reference {body.get('reference')!r}")
    return f"{body.get('kind_label', '')} {body.get('status_label', body.get('status', ''))}".strip()


def probes(base: str, reference: str | None, phone: str | None) -> list[tuple[str, Callable[[], str]]]:
    return [
        ("portal home page", _page(base, "/")),
        ("staff sign-in page", _page(base, "/staff/")),
        ("forms script", lambda: _script(base)),
        ("API health", lambda: _health(base)),
        ("OpenAPI description", lambda: _openapi(base)),
        ("status look-up of the test reference", lambda: _lookup(base, reference, phone)),
    ]


def run(base: str, reference: str | None, phone: str | None, out: Callable[[str], None] = print) -> bool:
    out(f"smoke check of {base}")
    ok = True
    for name, probe in probes(base, reference, phone):
        started = time.perf_counter()
        try:
            detail, passed = probe(), True
        except (ProbeFailed, OSError, ValueError) as exc:  # a refused connection, a timeout, bad JSON
            detail, passed = str(exc) or type(exc).__name__, False
        ms = (time.perf_counter() - started) * 1000
        out(f"  {'ok  ' if passed else 'FAIL'} {name:<38} {ms:7.0f} ms  {detail}")
        ok = ok and passed
    out("all probes passed" if ok else "smoke check FAILED")
    return ok


def _saved(base: str) -> dict[str, str]:
    try:
        return dict(json.loads(STATE.read_text("utf-8")).get(base, {}))
    except (FileNotFoundError, ValueError):
        return {}


def prepare(base: str, phone: str, unit: str, state: Path | None = None) -> str:
    """File the test support request; keep its reference and phone for `probe` (in var/smoke.json)."""
    state = state or STATE
    answer = fetch(base + "/api/support-requests", "POST", {
        "category": "employment", "description": TEST_DESCRIPTION, "name": "巡检测试", "phone": phone,
        "county_unit_id": unit, "frontline": "no", "consent": True, "consent_version": "2020-02-v1",
    }, {"Idempotency-Key": str(uuid.uuid4())})
    if answer.status != 201:
        raise ProbeFailed(f"filing the test request answered {answer.status}: {answer.body[:300]!r}")
    reference = str(answer.json()["reference"])
    state.parent.mkdir(parents=True, exist_ok=True)
    saved = json.loads(state.read_text("utf-8")) if state.exists() else {}
    saved[base] = {"reference": reference, "phone": phone}
    fd = os.open(state, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(saved, f, ensure_ascii=False, indent=2)
    return reference


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--base", required=True, help="the portal's address, e.g. https://portal.example")
    commands = parser.add_subparsers(dest="command", required=True)
    probing = commands.add_parser("probe", help="read-only probes; exit 1 on any failure")
    probing.add_argument("--reference", default=os.environ.get("SMOKE_REFERENCE") or None)
    probing.add_argument("--phone", default=os.environ.get("SMOKE_PHONE") or None)
    preparing = commands.add_parser("prepare", help="file the test request the look-up probe reads (once)")
    preparing.add_argument("--phone", required=True, help="a mobile number of the operators' own")
    preparing.add_argument("--unit", default="taishan", help="county union whose queue gets the test request")
    args = parser.parse_args(argv)
    base = str(args.base).rstrip("/")
    if not base.startswith(("https://", "http://")):
        parser.error("--base must start with https:// or http://")
    if args.command == "prepare":
        try:
            reference = prepare(base, args.phone, args.unit)
        except (ProbeFailed, OSError) as exc:
            print(f"smoke prepare: {exc}", file=sys.stderr)
            return 1
        print(f"test reference {reference} filed at {base}; kept in {STATE} (or set SMOKE_REFERENCE={reference})")
        return 0
    saved = _saved(base)
    return 0 if run(base, args.reference or saved.get("reference"), args.phone or saved.get("phone")) else 1


if __name__ == "__main__":
    sys.exit(main())
