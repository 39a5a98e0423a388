"""A fair's opening and the city's dashboard at scale, on the local stack:

  - a 3,000-seat session taking registrations from 64 concurrent clients over HTTP, its seats on the
    session item alone (1 shard) and split across N seat shards, the two alternating round by round;
  - the city's dashboard with 5,000 units under the city: DynamoDB calls and milliseconds per read,
    beside the same board over the seed tree alone (the calls must not grow with the units below).
"""

from __future__ import annotations

import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from tools.bench.booking import _person, _session
from tools.bench.measure import counting_dynamodb_calls, post
from tools.localstack import Stack

SEATS = 3000
CLIENTS = 64
ROUNDS = 3
UNITS = 5000


def _round(url: str, first: int, n: int) -> tuple[float, int]:
    """n registrations from CLIENTS threads: (registrations per second, answers other than 201)."""
    def one(i: int) -> int:
        try:
            return post(url, _person(i), {"Idempotency-Key": str(uuid.uuid4())})[0]
        except OSError:  # a 503 or a timeout: counted, not fatal
            return 0
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(one, range(first, first + n)))
    return n / (time.perf_counter() - started), sum(1 for s in statuses if s != 201)


def shards_report(stack: Stack, n: int) -> list[str]:
    from chalicelib.booking import service

    shards = service.shard_count(SEATS)
    contenders = {"1 shard (the session item)": _session(SEATS, 1), f"{shards} shards": _session(SEATS, shards)}
    rates: dict[str, list[float]] = {label: [] for label in contenders}
    refused: dict[str, int] = dict.fromkeys(contenders, 0)
    per_round = min(n, SEATS // ROUNDS)
    first = 5 * 10**7
    for _ in range(ROUNDS):
        for label, session_id in contenders.items():
            rate, bad = _round(f"{stack.url}/api/sessions/{session_id}/registrations", first, per_round)
            first += per_round
            rates[label].append(rate)
            refused[label] += bad
    lines = ["## A 3,000-seat session: registrations from 64 concurrent clients, 1 shard vs N shards", "",
             f"Engine: {stack.engine.name}. {ROUNDS} rounds of {per_round} registrations over HTTP on loopback from "
             f"{CLIENTS} client threads, the contenders alternating round by round (each its own 3,000-seat session, "
             "seats never running out). Each registration is one transaction; with shards it updates one seat shard "
             "chosen at random among those with seats left instead of the session item.", "",
             "| contender | median registrations/s | spread (min–max) | answers other than 201 |", "|---|---|---|---|"]
    for label, values in rates.items():
        lines.append(f"| {label} | {statistics.median(values):.1f} | {min(values):.1f}–{max(values):.1f} | "
                     f"{refused[label]} |")
    one, many = (statistics.median(v) for v in rates.values())
    lines += ["", f"**Ratio {shards} shards / 1 shard (medians): {many / one:.2f}**", "",
              "DynamoDB Local has no per-item write limit, so this run shows what shards cost here (choosing a "
              "shard with seats left), not the limit they avoid: in DynamoDB one item takes at most 1,000 write "
              "units a second, and concurrent transactions on one item cancel each other (TransactionConflict).", ""]
    return lines


def _add_units(count: int) -> None:
    """count units under the seed tree's counties, two levels deep (batch writes; no transaction)."""
    from chalicelib.core import db
    from chalicelib.orgs import store

    counties = ["taishan", "daiyue", "xintai", "feicheng", "ningyang", "dongping"]
    with db.table().batch_writer() as batch:
        for i in range(count):
            county = counties[i // 10 % len(counties)]
            firm = f"bench-firm-{i // 10}"
            if i % 10 == 0:
                batch.put_item(Item=store.unit_item({"id": firm, "name": f"企业工会{i // 10}",
                                                     "kind": "enterprise_union", "parent_id": county},
                                                    f"/city/{county}/{firm}/"))
                continue
            unit = f"bench-team-{i}"
            batch.put_item(Item=store.unit_item({"id": unit, "name": f"班组{i}", "kind": "enterprise_union",
                                                 "parent_id": firm}, f"/city/{county}/{firm}/{unit}/"))


def _board(reads: int) -> tuple[dict[str, int], list[float]]:
    from chalicelib.core.auth import Principal
    from chalicelib.dashboard import service

    by = Principal(kind="staff", id="bench", unit_id="city", unit_path="/city/", roles=frozenset({"city_admin"}))
    with counting_dynamodb_calls() as calls:
        service.dashboard("city", by)
    times: list[float] = []
    for _ in range(reads):
        started = time.perf_counter()
        service.dashboard("city", by)
        times.append((time.perf_counter() - started) * 1000)
    return dict(calls), times


def dashboard_report(stack: Stack) -> list[str]:
    small_calls, small_ms = _board(5)
    _add_units(UNITS)
    big_calls, big_ms = _board(5)

    def row(label: str, calls: dict[str, int], ms: list[float]) -> str:
        listed = ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
        return (f"| {label} | {sum(calls.values())} ({listed}) | {statistics.median(ms):.0f} | "
                f"{min(ms):.0f}–{max(ms):.0f} |")

    return ["## City dashboard: reads with 5,000 units under the city", "",
            f"Engine: {stack.engine.name}. `dashboard.service.dashboard('city')` in process, 5 reads each after one "
            "counted read. The board shows the city and the 17 units directly under it; their figures are "
            "subtree counters kept by the writes, so the units further down are never read.", "",
            "| tree | DynamoDB calls per read | median ms | spread ms |", "|---|---|---|---|",
            row("the seed tree (25 units)", small_calls, small_ms),
            row(f"the seed tree and {UNITS:,} more units", big_calls, big_ms), ""]
