"""Cold-start import time (from the source tree and from the deployment zip) and the portal's
first-page weight."""

from __future__ import annotations

import gzip
import os
import re
import stat
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

_IMPORT_APP = ("import sys, time; sys.path.insert(0, 'functions'); t = time.perf_counter(); import app; "
               "print((time.perf_counter() - t) * 1000)")
# The baseline: Chalice's app module, boto3 and pydantic with BaseModel itself loaded (pydantic's
# package loads it lazily, so `import pydantic` alone would leave the model machinery out).
_IMPORT_BASE = ("import time; t = time.perf_counter(); import chalice.app, boto3, pydantic; "
                "from pydantic import BaseModel; print((time.perf_counter() - t) * 1000)")
# import app, then one POST /support-requests through the Lambda entry point (an API Gateway event):
# the first request's model building, lazy imports and first boto3 clients.
_FIRST_REQUEST = """
import json, sys, time, uuid
sys.path.insert(0, 'functions')
t = time.perf_counter()
import app
imported = time.perf_counter()
body = json.dumps({"category": "psychological", "description": "家人在一线，想找人聊聊。", "name": "王芳",
                   "phone": "13800138000", "county_unit_id": "taishan", "frontline": "family", "consent": True,
                   "consent_version": "2020-02-v1"}, ensure_ascii=False)
headers = {"content-type": "application/json", "idempotency-key": str(uuid.uuid4()), "x-forwarded-for": "127.0.0.1"}
event = {"resource": "/support-requests", "path": "/support-requests", "httpMethod": "POST", "headers": headers,
         "multiValueHeaders": {k: [v] for k, v in headers.items()}, "queryStringParameters": None,
         "multiValueQueryStringParameters": None, "pathParameters": None, "stageVariables": None,
         "requestContext": {"resourcePath": "/support-requests", "httpMethod": "POST", "requestId": "cold",
                            "identity": {"sourceIp": "127.0.0.1"}, "stage": "api", "path": "/api/support-requests"},
         "body": body, "isBase64Encoded": False}
answer = app.app(event, None)
assert answer["statusCode"] == 201, answer
print((time.perf_counter() - t) * 1000)
"""


def _run_ms(code: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class Spread:
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:  # first quartile
        return statistics.quantiles(self.samples, n=4)[0] if len(self.samples) > 1 else self.samples[0]

    @property
    def high(self) -> float:  # third quartile
        return statistics.quantiles(self.samples, n=4)[2] if len(self.samples) > 1 else self.samples[0]


def cold_start(env: dict[str, str], runs: int = 15) -> dict[str, Any]:
    """Each contender in a new interpreter, alternating run by run so the machine's drift hits
    all alike; `env` points the first request at the running stack's table."""
    env = {**os.environ, **env, "WS_SECRET_KEY": env.get("WS_SECRET_KEY", "bench"),
           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the libraries' bytecode is installed; the app's is written here
    _run_ms(_IMPORT_APP, env)  # bytecode compiled once
    load = [os.getloadavg()[0]]
    samples: dict[str, list[float]] = {"app": [], "base": [], "first": []}
    for _ in range(runs):
        samples["app"].append(_run_ms(_IMPORT_APP, env))
        samples["base"].append(_run_ms(_IMPORT_BASE, env))
        samples["first"].append(_run_ms(_FIRST_REQUEST, env))
    load.append(os.getloadavg()[0])
    app, base, first = (Spread(samples[k]) for k in ("app", "base", "first"))
    ratios = Spread([a / b for a, b in zip(samples["app"], samples["base"], strict=True)])
    return {"app": app, "base": base, "first": first, "ratio": app.median / base.median, "pair_ratios": ratios,
            "runs": runs, "load": load}


_IMPORT_TASK = "import time; t = time.perf_counter(); import app; print((time.perf_counter() - t) * 1000)"


def _unpack_read_only(package: Path, into: Path, bytecode: bool) -> Path:
    """The zip as Lambda unpacks it (read-only), with or without its __pycache__ entries."""
    with zipfile.ZipFile(package) as z:
        z.extractall(into, [n for n in z.namelist() if bytecode or "__pycache__/" not in n])
    for path in [*into.rglob("*"), into]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return into


def packaged_cold_start(package: Path, runs: int = 15) -> dict[str, Any]:
    """`import app` from the unpacked deployment zip with and without its bytecode, alternating run
    by run: each a new interpreter without site-packages (`-S`), the unpacked dir first on sys.path
    and as working directory, writing no bytecode, like a Lambda cold start in /var/task."""
    env = {"PATH": "", "PYTHONDONTWRITEBYTECODE": "1", "WS_SECRET_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"}
    samples: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        tasks = {b: _unpack_read_only(package, Path(tmp) / ("with" if b else "without"), b) for b in (True, False)}
        try:
            for _ in range(runs):
                for bytecode, task in tasks.items():
                    out = subprocess.run([sys.executable, "-S", "-c", f"import sys; sys.path.insert(0, '{task}'); "
                                          + _IMPORT_TASK], cwd=task, env=env, capture_output=True, text=True,
                                         check=True)
                    samples[bytecode].append(float(out.stdout.strip().splitlines()[-1]))
        finally:
            for path in [Path(tmp), *Path(tmp).rglob("*")]:
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
    with zipfile.ZipFile(package) as z:
        pycs = sum(1 for name in z.namelist() if name.endswith(".pyc"))
    with_, without = Spread(samples[True]), Spread(samples[False])
    return {"with": with_, "without": without, "saved": without.median - with_.median, "runs": runs, "pycs": pycs}


def first_page_bytes(site: Path, goal_kb: float = 90) -> dict[str, Any]:
    """Gzipped bytes of the home page's HTML plus the CSS and JS it loads."""
    html = (site / "index.html").read_text("utf-8")
    assets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    assets += re.findall(r'<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"', html)
    assets += re.findall(r'<script[^>]+src="([^"]+)"', html)
    files = {"index.html": len(gzip.compress(html.encode(), 6))}
    for href in dict.fromkeys(assets):
        if href.startswith(("http:", "https:", "//")):
            files[href] = -1  # a third-party asset: the browser tests fail on these
            continue
        path = (site / href.split("?")[0].lstrip("./")).resolve()
        if path.is_file():
            files[href] = len(gzip.compress(path.read_bytes(), 6))
    total = sum(v for v in files.values() if v > 0)
    return {"files": files, "total_kb": total / 1024, "goal_kb": goal_kb, "ratio": total / 1024 / goal_kb}
