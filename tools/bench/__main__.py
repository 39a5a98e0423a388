"""`python -m tools.bench`: run every benchmark, print the figures, write docs/benchmarks.md."""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.bench import booking, delivery, frontline, other, outbox, routes, seats
from tools.bench.measure import quiet_app_log
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
    parser.add_argument("-n", type=int, default=int(os.environ.get("BENCH_N", "3000")),
                        help="write-route requests per contender (default 3000, or BENCH_N)")
    parser.add_argument("--booking", type=int, default=int(os.environ.get("BENCH_BOOKING", "300")),
                        help="registrations per booking contender (default 300, or BENCH_BOOKING)")
    parser.add_argument("--families", type=int, default=int(os.environ.get("BENCH_FAMILIES", "10000")),
                        help="families of the roster (default 10000, or BENCH_FAMILIES)")
    parser.add_argument("--cold-runs", type=int, default=int(os.environ.get("BENCH_COLD_RUNS", "15")),
                        help="interpreters per cold-start contender (default 15, or BENCH_COLD_RUNS)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--only", choices=["cold", "dashboard"],
                        help="run one section alone and replace only that section of --out")
    args = parser.parse_args()
    if args.only == "cold":
        return cold_only(args.out, args.cold_runs)
    if args.only == "dashboard":
        return dashboard_only(args.out)

    lines = ["# Benchmarks", "", f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
             f"Machine: {_machine()}.", "",
             "Each figure stands beside its baseline measured in the same run; ratios compare the two. The "
             "sections share one local stack whose DynamoDB Local keeps its data in memory.", ""]

    # Keep the app's access log (its cost stays in the figures) out of the printed report.
    _one_client()
    began = time.perf_counter()
    # DynamoDB Local in memory: on disk each write's time moves with the disk's syncs (a batch of 25
    # puts syncs more often than a transaction of 97), which would measure the disk, not the code.
    with open(os.devnull, "w") as sink:
        stack, warning = start_stack(None, port=0, site_dir=DEFAULT_SITE, seed_staff=False)
        quiet_app_log(sink)
        try:
            write = routes.write_route(stack, args.n)
            booking_lines = booking.report(stack, args.booking)
            booking_lines += seats.shards_report(stack, args.booking)
            booking_lines += seats.dashboard_report(stack)
            food = delivery.run(args.families)  # roster generation vs bare batched writes of its items
            families_lines = frontline.report(stack)  # a contact person's 100 families in one request
            outbox_lines = outbox.report(stack)  # committed write to the provider's call
            cold = other.cold_start(stack.env, args.cold_runs)
            engine = f"{stack.engine.name} (in memory)" if stack.engine.name == "dynamodb-local" else stack.engine.name
        finally:
            stack.stop()
    windows = " · ".join(f"requests {k}: {v:.1f} ms" for k, v in write["windows"].items())
    lines += [
        "## Write route: POST /api/support-requests, full stack vs bare Chalice handler", "",
        f"Engine: {engine}{' (' + warning + ')' if warning else ''}. {args.n} sequential requests to each over HTTP "
        "on loopback, the two contenders alternating, after 20 each to warm up.",
        "The bare handler replays, for each request, the very DynamoDB calls one warm full-stack request made "
        "(captured in this run, in order, with their items, attributes and sizes): "
        f"{write['items']}. Only the parts of item keys that make a request's items its own ({write['unique']} "
        "tokens: the reference code, the idempotency record's key hash, the time in sort keys) are replaced by "
        "fresh ones of the same length. It does no validation, rate-limit decision, logging, metrics, audit "
        "building or Powertools bookkeeping, and serves HTTP with Chalice's local server.", "",
        "| contender | p50 ms | mean ms | p95 ms | DynamoDB calls per request |", "|---|---|---|---|---|",
        f"| full stack | {write['full'].p50:.1f} | {write['full'].mean:.1f} | {write['full'].p95:.1f} | "
        f"{_calls(write['calls_full'])} |",
        f"| bare handler | {write['bare'].p50:.1f} | {write['bare'].mean:.1f} | {write['bare'].p95:.1f} | "
        f"{_calls(write['calls_bare'])} |", "",
        f"**Ratio full/bare (p50): {write['ratio']:.2f}** (goal ≤ 1.15)", "",
        f"Full stack in one process, p50 by the request's place in the run: {windows}.", "",
    ]

    lines += booking_lines
    lines += families_lines
    lines += outbox_lines
    lines += food

    lines += _cold_lines(cold)

    lines += _packaged_cold_start(ROOT / "build" / "package" / "deployment.zip", args.cold_runs)

    if (DEFAULT_SITE / "index.html").exists():
        page = other.first_page_bytes(DEFAULT_SITE)
        lines += ["## Portal first page: gzipped HTML + CSS + JS", "", "| file | gzipped bytes |", "|---|---|"]
        lines += [f"| {name} | {size} |" for name, size in page["files"].items()]
        lines += ["", f"**Total {page['total_kb']:.1f} KB against the 90 KB goal: ratio {page['ratio']:.2f}**", ""]

    lines.insert(4, f"`make bench` took {(time.perf_counter() - began) / 60:.0f} minutes with these counts "
                    "(-n, --booking, --families, --cold-runs; or BENCH_N, BENCH_BOOKING, BENCH_FAMILIES, "
                    "BENCH_COLD_RUNS for a shorter run).")
    text = "\n".join(lines)
    print(text)
    args.out.write_text(text + "\n", "utf-8")
    print(f"Written to {args.out.relative_to(ROOT)}")
    return 0


def _one_client() -> None:
    """The benchmark is one client: lift the per-person and per-address limits."""
    os.environ["WS_PERSON_WRITES"] = os.environ["WS_SOURCE_WRITES"] = "1000000"


def _cold_lines(cold: dict[str, Any]) -> list[str]:
    app, base, first = cold["app"], cold["base"], cold["first"]
    load = " → ".join(f"{v:.1f}" for v in cold["load"])
    return [
        "## Cold start: a new interpreter importing functions/app.py", "",
        f"{cold['runs']} interpreters per contender, the three alternating run by run. The baseline imports "
        "`chalice.app`, `boto3` and `pydantic` and loads `pydantic.BaseModel` (the package alone loads it "
        "lazily). Import + first request: `import app`, then one POST /api/support-requests through the "
        "Lambda entry point (an API Gateway event) against the stack's table. Every interpreter reads the app's "
        f"compiled bytecode. Load average (1 min) at the start and end: {load} on {os.cpu_count()} cores.", "",
        "| contender | median ms | quartiles ms |", "|---|---|---|",
        f"| import functions/app.py | {app.median:.0f} | {app.low:.0f}–{app.high:.0f} |",
        f"| import chalice, boto3, pydantic + BaseModel (baseline) | {base.median:.0f} | "
        f"{base.low:.0f}–{base.high:.0f} |",
        f"| import functions/app.py + first request | {first.median:.0f} | {first.low:.0f}–{first.high:.0f} |", "",
        f"**Ratio app/baseline (medians): {cold['ratio']:.2f}** (goal ≤ 1.25; run by run: "
        f"{cold['pair_ratios'].low:.2f}–{cold['pair_ratios'].high:.2f} between quartiles)", "",
    ]


def cold_only(out: Path, runs: int) -> int:
    """`--only cold`: measure the cold start alone and replace its section of `out`."""
    _one_client()
    with tempfile.TemporaryDirectory() as data:
        stack, _ = start_stack(Path(data), port=0, site_dir=DEFAULT_SITE, seed_staff=False)
        try:
            cold = other.cold_start(stack.env, runs)
        finally:
            stack.stop()
    return _replace_section(out, "cold", _cold_lines(cold))


def dashboard_only(out: Path) -> int:
    """`--only dashboard`: measure the city dashboard alone (in memory) and replace its section of `out`."""
    with open(os.devnull, "w") as sink:
        stack, _ = start_stack(None, port=0, site_dir=DEFAULT_SITE, seed_staff=False)
        quiet_app_log(sink)
        try:
            section = seats.dashboard_report(stack)
        finally:
            stack.stop()
    return _replace_section(out, "dashboard", section)


def _replace_section(out: Path, only: str, section: list[str]) -> int:
    """Put `section` (its heading first) in place of the section of `out` with the same heading."""
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
    section[2:2] = [f"Measured alone with `python -m tools.bench --only {only}` on {when} UTC; {_machine()}.", ""]
    print("\n".join(section))
    text = out.read_text("utf-8")
    start = text.index(section[0])
    end = text.find("\n## ", start)
    out.write_text(text[:start] + "\n".join(section).rstrip() + "\n" + (text[end:] if end >= 0 else ""), "utf-8")
    print(f"Section {section[0]!r} replaced in {out.relative_to(ROOT)}")
    return 0


def _packaged_cold_start(package: Path, runs: int) -> list[str]:
    """`import app` from the unpacked deployment zip, with and without the bytecode it carries."""
    title = ["## Cold start from the deployment zip: with and without its bytecode", ""]
    if not package.exists():
        return [*title, f"Not measured: no {package.relative_to(ROOT)} (`make package` builds it).", ""]
    cold = other.packaged_cold_start(package, runs)
    if not cold["pycs"]:
        return [*title, f"Not measured: {package.relative_to(ROOT)} holds no bytecode (rebuild it with "
                "`make package`).", ""]
    with_, without = cold["with"], cold["without"]
    return [*title,
            f"{package.relative_to(ROOT)} unpacked twice into read-only directories, once without its "
            f"{cold['pycs']} `__pycache__` entries (what `chalice package` alone ships). {runs} interpreters per "
            "contender, alternating run by run, each `python -S` (no site-packages) with the directory first on "
            "sys.path and PYTHONDONTWRITEBYTECODE=1, as in Lambda's read-only /var/task.", "",
            "| contender | median ms | quartiles ms |", "|---|---|---|",
            f"| import app, zip with bytecode | {with_.median:.0f} | {with_.low:.0f}–{with_.high:.0f} |",
            f"| import app, zip without bytecode | {without.median:.0f} | {without.low:.0f}–{without.high:.0f} |", "",
            f"**Bytecode saves {cold['saved']:.0f} ms of the median cold import "
            f"({without.median / with_.median:.2f}× faster)**", ""]


def _calls(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))


if __name__ == "__main__":
    raise SystemExit(main())
