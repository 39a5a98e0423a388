"""A fair's opening and the city's dashboard at scale, on the local stack:

  - a 3,000-seat session taking registrations from 64 concurrent clients over HTTP, its seats on the
    session item alone (1 shard) and split across N seat shards, the two alternating round by round;
  - the city's dashboard with 5,000 units under the city: DynamoDB calls and milliseconds per read,
    beside the same board over the seed tree alone (the calls must not grow with the units below).
"""

from __future__ import annotations

import statistics
import time
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
            return post(url, _person(i)).status
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


def _board(reads: int) -> tuple[dict[str, int], float, dict[str, int], list[float]]:
    """The city's board read once with the union tree's caches empty, then `reads` times: the first
    read's calls and ms, a later read's calls, and the later reads' ms."""
    from chalicelib.core.auth import Principal
    from chalicelib.dashboard import service
    from chalicelib.orgs import service as orgs

    by = Principal(kind="staff", id="bench", unit_id="city", unit_path="/city/", roles=frozenset({"city_admin"}))
    orgs.forget_units()
    with counting_dynamodb_calls() as first_calls:
        started = time.perf_counter()
        service.dashboard("city", by)
        first_ms = (time.perf_counter() - started) * 1000
    with counting_dynamodb_calls() as later_calls:
        service.dashboard("city", by)
    times: list[float] = []
    for _ in range(reads):
        started = time.perf_counter()
        service.dashboard("city", by)
        times.append((time.perf_counter() - started) * 1000)
    return dict(first_calls), first_ms, dict(later_calls), times


def dashboard_report(stack: Stack) -> list[str]:
    small = _board(5)
    _add_units(UNITS)
    big = _board(5)

    def listed(calls: dict[str, int]) -> str:
        return f"{sum(calls.values())} ({', '.join(f'{k} {v}' for k, v in sorted(calls.items()))})"

    def row(label: str, board: tuple[dict[str, int], float, dict[str, int], list[float]]) -> str:
        first_calls, first_ms, later_calls, ms = board
        return (f"| {label} | {listed(first_calls)} | {first_ms:.0f} | {listed(later_calls)} | "
                f"{statistics.median(ms):.0f} ({min(ms):.0f}–{max(ms):.0f}) |")

    return ["## City dashboard: reads with 5,000 units under the city", "",
            f"Engine: {stack.engine.name}. `dashboard.service.dashboard('city')` in process: one read with the "
            "union tree's caches emptied (`orgs.forget_units()`), then one counted and 5 timed. The board "
            "shows the city and the 17 units directly under it; their figures are subtree counters kept by the "
            "writes, so no figure of a unit further down is read. Finding the 17 reads the city's whole subtree "
            "in the tree index, filtered to its children (a megabyte a call), so each container keeps the list "
            "for `orgs.UNIT_TTL_SECONDS` (60 s), as it keeps the units it has read: the first read pays for it, "
            "the later ones do not.", "",
            "| tree | first read: calls | first read: ms | later read: calls | later reads: median ms (range) |",
            "|---|---|---|---|---|",
            row("the seed tree (25 units)", small),
            row(f"the seed tree and {UNITS:,} more units", big), ""]
