"""`python -m tools.bench`: run every benchmark, print the figures, write docs/benchmarks.md."""

from __future__ import annotations

import argparse
import logging
import os
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from tools.bench import booking, delivery, frontline, other, outbox, routes, seats
from tools.localstack import DEFAULT_SITE, start_stack

ROOT = Path(__file__).resolve().parents[2]


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GiB, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=300, help="requests per contender")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()

    lines = ["# Benchmarks", "", f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
             f"Machine: {_machine()}.", "",
             "Each figure stands beside its baseline measured in the same run; ratios compare the two.", ""]

    # The benchmark is one client: lift the per-person and per-address limits, and keep the app's access log
    # (its cost stays in the figures) out of the printed report.
    os.environ["WS_PERSON_WRITES"] = os.environ["WS_SOURCE_WRITES"] = "1000000"
    with tempfile.TemporaryDirectory() as data, open(os.devnull, "w") as sink:
        stack, warning = start_stack(Path(data), port=0, site_dir=DEFAULT_SITE, seed_staff=False)
        from chalicelib.core.logs import logger

        handler = logger.registered_handler
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)
        try:
            write = routes.write_route(stack, args.n)
            booking_lines = booking.report(stack, args.n)
            booking_lines += seats.shards_report(stack, args.n)
            booking_lines += seats.dashboard_report(stack)
            food = delivery.run()  # roster generation for 10,000 families vs bare batched writes
            families_lines = frontline.report(stack)  # a contact person's 100 families in one request
            outbox_lines = outbox.report(stack)  # committed write to the provider's call
            engine = stack.engine.name
        finally:
            stack.stop()
    lines += [
        "## Write route: POST /api/support-requests, full stack vs bare Chalice handler", "",
        f"Engine: {engine}{' (' + warning + ')' if warning else ''}. Sequential requests over HTTP on loopback,",
        "the two contenders alternating. The bare handler makes the same DynamoDB calls with no validation,",
        "logging, audit or Powertools.", "",
        "| contender | mean ms | p50 ms | p95 ms | DynamoDB calls per request |", "|---|---|---|---|---|",
        f"| full stack | {write['full'].mean:.1f} | {write['full'].p50:.1f} | {write['full'].p95:.1f} | "
        f"{_calls(write['calls_full'])} |",
        f"| bare handler | {write['bare'].mean:.1f} | {write['bare'].p50:.1f} | {write['bare'].p95:.1f} | "
        f"{_calls(write['calls_bare'])} |", "",
        f"**Ratio full/bare (mean): {write['ratio']:.2f}**", "",
    ]

    lines += booking_lines
    lines += families_lines
    lines += outbox_lines
    lines += food

    cold = other.cold_start()
    lines += [
        "## Cold start: importing functions/app.py", "",
        "| import | median ms |", "|---|---|",
        f"| functions/app.py | {cold['app_ms']:.0f} |",
        f"| chalice, boto3 and pydantic alone (baseline) | {cold['base_ms']:.0f} |", "",
        f"**Ratio app/baseline: {cold['ratio']:.2f}**", "",
    ]

    if (DEFAULT_SITE / "index.html").exists():
        page = other.first_page_bytes(DEFAULT_SITE)
        lines += ["## Portal first page: gzipped HTML + CSS + JS", "", "| file | gzipped bytes |", "|---|---|"]
        lines += [f"| {name} | {size} |" for name, size in page["files"].items()]
        lines += ["", f"**Total {page['total_kb']:.1f} KB against the 90 KB goal: ratio {page['ratio']:.2f}**", ""]

    text = "\n".join(lines)
    print(text)
    args.out.write_text(text + "\n", "utf-8")
    print(f"Written to {args.out.relative_to(ROOT)}")
    return 0


def _calls(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))


if __name__ == "__main__":
    raise SystemExit(main())
