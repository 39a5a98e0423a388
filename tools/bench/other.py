"""Cold-start import time and the portal's first-page weight."""

from __future__ import annotations

import gzip
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

_IMPORT_APP = ("import sys, time; sys.path.insert(0, 'functions'); t = time.perf_counter(); import app; "
               "print((time.perf_counter() - t) * 1000)")
_IMPORT_BASE = ("import time; t = time.perf_counter(); import chalice.app, boto3, pydantic; "
                "print((time.perf_counter() - t) * 1000)")


def _import_ms(code: str, runs: int) -> float:
    env = {**os.environ, "WS_SECRET_KEY": "bench", "PYTHONDONTWRITEBYTECODE": "0"}
    values = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=True)
        values.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(values)


def cold_start(runs: int = 7) -> dict[str, float]:
    _import_ms(_IMPORT_APP, 1)  # compile bytecode once
    app_ms = _import_ms(_IMPORT_APP, runs)
    base_ms = _import_ms(_IMPORT_BASE, runs)
    return {"app_ms": app_ms, "base_ms": base_ms, "ratio": app_ms / base_ms}


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
