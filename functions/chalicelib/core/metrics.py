"""What the app tells CloudWatch about itself: metrics in the embedded metric format (EMF), written
with Powertools Metrics' CloudWatch provider as JSON lines on stdout, which CloudWatch Logs turns
into metrics in namespace `POWERTOOLS_METRICS_NAMESPACE` with the dimension `service`
(`POWERTOOLS_SERVICE_NAME`). Both are set on every function by the template (infra/functions.yaml).

Every metric the app emits is declared once in CATALOGUE below; infra/monitoring.yaml's alarms and
dashboard name them, and a test checks that every alarm points at a metric declared here or at one
AWS publishes. `record()` adds a value: during a request (`collecting()`, entered by the HTTP
middleware) the values are kept and written together when the request ends; outside one (the daily
schedules, maintenance commands) at once. Each request collects into its own provider objects
rather than the process-wide `Metrics` object, whose one shared metric set would mix the requests
of the threaded local server. Powertools loads when the first values are written, not when the
app is imported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_NAMESPACE = "WorkerServices"
DEFAULT_SERVICE = "worker-services"


class MetricUnit(StrEnum):
    """The units the app's metrics use, by their CloudWatch names (as Powertools' MetricUnit spells them)."""

    Count = "Count"
    Milliseconds = "Milliseconds"


@dataclass(frozen=True)
class Metric:
    """One metric: its name, unit, the dimension sets it is published under (each set besides
    `service`, which every one has) and what one value means."""

    name: str
    unit: MetricUnit
    dimensions: tuple[tuple[str, ...], ...]
    meaning: str


def _m(name: str, unit: MetricUnit, dimensions: tuple[tuple[str, ...], ...], meaning: str) -> Metric:
    return Metric(name, unit, dimensions, meaning)


COUNT, MS = MetricUnit.Count, MetricUnit.Milliseconds
# Request metrics (the HTTP middleware, core/http.py).
REQUESTS = _m("Requests", COUNT, ((), ("route_group",)), "one API request answered")
SERVER_ERRORS = _m("ServerErrors", COUNT, ((), ("route_group",)),
                   "1 for an answer with status 500 or above, 0 otherwise (its average is the 5xx rate)")
LATENCY = _m("Latency", MS, ((), ("route_group",), ("operation",)),
             "time from the request reaching the app to its answer")
PROBLEMS = _m("Problems", COUNT, (("problem_type", "status"),),
              "one problem+json answer, by its type (/problems/<code>) and status")
# Data layer (core/db.py, core/idempotency.py, core/ratelimit.py).
TRANSACTION_CONFLICTS = _m("TransactionConflicts", COUNT, ((),),
                           "a write transaction cancelled by a conflicting one or by throttling")
TRANSACTION_RETRIES = _m("TransactionRetries", COUNT, ((),), "a cancelled transaction attempted again")
TRANSACTIONS_ABANDONED = _m("TransactionsAbandoned", COUNT, ((),),
                            "a transaction still cancelled when its attempts or time ran out (answered 503)")
IDEMPOTENT_REPLAYS = _m("IdempotentReplays", COUNT, ((),),
                        "a repeated Idempotency-Key answered from the stored first answer")
RATE_LIMITED = _m("RateLimited", COUNT, (("limit",),),
                  "a request refused with 429 by a limit (person, source or credential)")
# Business events.
ROSTER_PACKAGES_WRITTEN = _m("RosterPackagesWritten", COUNT, ((),),
                             "food packages written by a roster generation (button or daily schedule)")
FUND_SPENDS_REFUSED = _m("FundSpendsRefused", COUNT, ((),),
                         "a fund spend or allocation refused for lack of balance (problem fund-insufficient)")
# The message outbox's delivery handler (notify/service.py; design.md, "Messages to people").
NOTIFICATIONS_SENT = _m("NotificationsSent", COUNT, (("channel",),), "a message accepted by its provider")
NOTIFICATIONS_FAILED = _m("NotificationsFailed", COUNT, (("channel",),),
                          "a message attempt that failed (retried, then dead-lettered)")

CATALOGUE: dict[str, Metric] = {m.name: m for m in (
    REQUESTS, SERVER_ERRORS, LATENCY, PROBLEMS, TRANSACTION_CONFLICTS, TRANSACTION_RETRIES,
    TRANSACTIONS_ABANDONED, IDEMPOTENT_REPLAYS, RATE_LIMITED, ROSTER_PACKAGES_WRITTEN, FUND_SPENDS_REFUSED,
    NOTIFICATIONS_SENT, NOTIFICATIONS_FAILED)}

# A problem type that is itself a business event, counted under its own name as well.
PROBLEM_EVENTS: dict[str, Metric] = {"/problems/fund-insufficient": FUND_SPENDS_REFUSED}


def namespace() -> str:
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE


def service() -> str:
    return os.environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE


# One batch of values: (dimension names, their values) -> metric name -> values.
Batch = dict[tuple[tuple[str, ...], tuple[str, ...]], dict[str, list[float]]]
_current: ContextVar[Batch | None] = ContextVar("metrics_batch", default=None)


def record(metric: Metric, value: float = 1, **dimensions: str) -> None:
    """Add one value of a metric under each of its dimension sets (every dimension it names must be
    given). Kept until the request ends, or written at once outside a request."""
    batch = _current.get()
    standalone = batch is None
    if batch is None:
        batch = {}
    for names in metric.dimensions:
        values = tuple(str(dimensions[name]) for name in names)
        batch.setdefault((names, values), {}).setdefault(metric.name, []).append(float(value))
    if standalone:
        flush(batch)


@contextmanager
def collecting() -> Iterator[None]:
    """Within the block (one request), values are kept and written together when it ends."""
    token = _current.set({})
    try:
        yield
    finally:
        batch = _current.get() or {}
        _current.reset(token)
        flush(batch)


def flush(batch: Batch) -> None:
    """Write one EMF line per dimension set (Powertools prints it; POWERTOOLS_METRICS_DISABLED
    turns it off)."""
    if not batch:
        return
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    for (names, values), metrics in batch.items():
        provider = AmazonCloudWatchEMFProvider(namespace=namespace(), service=service())
        for name, value in zip(names, values, strict=True):
            provider.add_dimension(name, value)
        for metric_name, numbers in metrics.items():
            unit = CATALOGUE[metric_name].unit
            for number in numbers:
                provider.add_metric(name=metric_name, unit=unit.value, value=number)
        provider.flush_metrics()
