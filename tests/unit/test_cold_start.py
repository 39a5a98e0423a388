"""Importing the app (a cold start) registers every route but loads no route's module: its service,
store, models and the heavy libraries they use load when a route is first called."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("openpyxl", "jwt", "phonenumbers", "cryptography", "aws_lambda_powertools", "aws_xray_sdk")

_PROBE = """
import json, sys
sys.path.insert(0, "functions")
import app
routes = sorted((path, method) for path, entry in app.app.routes.items() for method in entry)
print(json.dumps({"modules": sorted(sys.modules), "routes": routes}))
"""


def _cold_import() -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "", "WS_SECRET_KEY": "cold-start", "AWS_DEFAULT_REGION": "us-east-1"})
    probe: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    return probe


def test_a_cold_import_registers_every_route_and_loads_none_of_their_modules():
    probe = _cold_import()
    index = json.loads((ROOT / "functions" / "chalicelib" / "route_index.json").read_text("utf-8"))
    assert sorted([e["path"], e["method"]] for e in index) == probe["routes"]
    domain_modules = [m for m in probe["modules"] if m.startswith("chalicelib.")
                      and m.rsplit(".", 1)[-1] in ("routes", "service", "store", "models")]
    assert domain_modules == []
    assert [m for m in probe["modules"] if m.split(".")[0] in HEAVY] == []


_HOOK_PROBE = """
import json, sys
sys.path.insert(0, "functions")
import app
app._load("chalicelib.support.routes")
support_only = "chalicelib.booking.service" in sys.modules
app._load("chalicelib.booking.routes")
from chalicelib.booking import service
print(json.dumps({"support_only": support_only, "hook": service.cancel_hook("recuperation") is not None}))
"""


def test_a_cross_domain_hook_is_wired_when_the_module_calling_it_loads():
    out = subprocess.run([sys.executable, "-c", _HOOK_PROBE], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "", "WS_SECRET_KEY": "cold-start", "AWS_DEFAULT_REGION": "us-east-1"})
    assert json.loads(out.stdout.splitlines()[-1]) == {"support_only": False, "hook": True}
