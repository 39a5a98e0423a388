"""`make load [ARGS="..."]`: replay the capacity plan's peaks (docs/capacity.md) with many concurrent
clients, then check the booking invariants.

    python -m tools.load                          # own local stack, a 3,000-seat fair, 64 clients, 30 s
    python -m tools.load --duration 120 --users 200
    python -m tools.load --base https://... --session <id>   # a deployment; the session made by staff

Without --base the tool starts the local stack itself (DynamoDB Local where Java is present, as
`make run`), creates the fair's session through the booking engine and lifts the per-address
write limit (every client here is 127.0.0.1, where the city's crowd comes from many addresses).
Locust runs headless in its own process (tools/load/locustfile.py): fair opening, hotline surge
and status look-ups together. The report gives, per kind of request, the requests, throughput,
p50/p95/p99 and errors, and afterwards the invariants read from the table: never more confirmed
than the capacity, one place per person, the waitlist in arrival order. The exit status is 1 when
an invariant is broken.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tools.engines import ROOT
from tools.load import invariants

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def create_session(seats: int, shards: int | None) -> str:
    """The fair's largest session, through the engine (as recruitment creates a fair's sessions)."""
    from chalicelib.booking import service
    from chalicelib.booking.models import SessionIn
    from chalicelib.core import db
    from chalicelib.core.auth import Principal

    db.reset_clients()
    by = Principal(kind="staff", id="load.caseworker", unit_id="taishan", unit_path="/city/taishan/",
                   roles=frozenset({"caseworker"}))
    body = SessionIn.model_validate({
        "kind": "fair", "title": "复工复产大型招聘会（压力测试）", "unit_id": "taishan",
        "starts_at": "2030-03-01T09:00:00+08:00", "ends_at": "2030-03-01T17:00:00+08:00",
        "place": "泰安市人力资源市场", "capacity": seats})
    return service.create_session(body, by, shards=shards).id


def run_locust(host: str, session_id: str, users: int, duration: int, out: Path) -> list[dict[str, str]]:
    """Locust, headless, in its own process; its per-request statistics (the CSV it writes)."""
    env = {**os.environ, "LOAD_SESSION": session_id}
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
               "-r", str(users), "-t", f"{duration}s", "-H", host, "--csv", str(out / "load"), "--only-summary",
               "--loglevel", "WARNING", "--stop-timeout", "30"]
    subprocess.run(command, env=env, cwd=ROOT, check=False)  # exits 1 when any request failed: reported below
    with open(out / "load_stats.csv", encoding="utf-8") as stats:
        return list(csv.DictReader(stats))


def table_check(session_id: str) -> dict[str, Any]:
    from chalicelib.booking import store
    from chalicelib.core import db

    session = db.get(*store.session_key(session_id), consistent=True)
    assert session is not None
    items: list[dict[str, Any]] = []
    start = None
    while True:
        page, start = db.query(store.session_key(session_id)[0], limit=1000, start_key=start)
        items += page
        if not start:
            break
    shards = [db.get(*store.seats_key(session_id, n), consistent=True) or {}
              for n in range(store.shard_count(session))] if store.shard_count(session) > 1 else []
    return invariants.check(session, items, shards)


def report(rows: list[dict[str, str]], users: int, duration: int, checked: dict[str, Any] | None) -> str:
    lines = [f"## Load: {users} concurrent clients for {duration} s", "",
             "| requests | count | per second | p50 ms | p95 ms | p99 ms | errors |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        name = "all" if row["Name"] == "Aggregated" else row["Name"]
        lines.append(f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.1f} | {row['50%']} | "
                     f"{row['95%']} | {row['99%']} | {row['Failure Count']} |")
    lines.append("")
    if checked is None:
        lines.append("Invariants: not checked (the table of a deployment is not read from here).")
    else:
        state = "all hold" if not checked["broken"] else "BROKEN: " + "; ".join(checked["broken"])
        lines += [f"Session after the run: {checked['confirmed']} confirmed of {checked['capacity']} seats, "
                  f"{checked['waitlisted']} waiting, {checked['cancelled']} cancelled, {checked['promoted']} promoted "
                  f"from the waitlist. Overbooked: {max(0, checked['confirmed'] - checked['capacity'])}. "
                  f"Invariants (capacity, one place per person, waitlist order): {state}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help="a running deployment's URL (default: start the local stack)")
    parser.add_argument("--session", help="with --base: the session to book (created by staff beforehand)")
    parser.add_argument("--duration", type=int, default=30, help="seconds of load (default 30)")
    parser.add_argument("--users", type=int, default=64, help="concurrent clients (default 64)")
    parser.add_argument("--seats", type=int, default=3000, help="the session's capacity (default 3000)")
    parser.add_argument("--shards", type=int, default=None, help="seat shards (default: by the capacity)")
    parser.add_argument("--engine", default="auto", choices=("auto", "dynamodb-local", "moto"))
    args = parser.parse_args(argv)
    if args.base and not args.session:
        parser.error("--base needs --session")

    with tempfile.TemporaryDirectory() as out:
        if args.base:
            rows = run_locust(args.base.rstrip("/"), args.session, args.users, args.duration, Path(out))
            print(report(rows, args.users, args.duration, None))
            return 0
        from tools.localstack import DEFAULT_SITE, start_stack

        os.environ["WS_SOURCE_WRITES"] = "1000000"  # all clients share 127.0.0.1 here
        (Path(out) / "var").mkdir()
        stack, warning = start_stack(Path(out) / "var", port=0, site_dir=DEFAULT_SITE, engine=args.engine,
                                     seed_staff=False)
        try:
            if warning:
                print(warning, file=sys.stderr)
            session_id = create_session(args.seats, args.shards)
            rows = run_locust(stack.url, session_id, args.users, args.duration, Path(out))
            checked = table_check(session_id)
        finally:
            stack.stop()
    print(report(rows, args.users, args.duration, checked))
    return 1 if checked["broken"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
