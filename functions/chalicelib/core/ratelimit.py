"""Limits on public writes, kept as conditional counters in the table (one item per subject and
time window, expiring through TTL; no Scan), so every Lambda container sees the same counts.

A public write is counted twice:
  - per person: the reference (look-ups, cancellations, a family's sign-up) or else the phone in
    the body, per route: PERSON_LIMIT writes in PERSON_WINDOW seconds;
  - per source (the client address, or the partner app calling with its key): a generous ceiling,
    SOURCE_LIMIT writes in SOURCE_WINDOW seconds, sized in docs/capacity.md for thousands of phones
    behind one carrier-grade NAT address. Per-address flood protection is AWS WAF's rate-based rule
    in front of the API (infra/functions.yaml), which refuses a flood before the function runs.
The api layer counts only a request that will run: a replay of a completed idempotent request is
answered from its record and spends nothing.

Failed partner credentials are counted per source: after CREDENTIAL_FAILURES failures within
CREDENTIAL_WINDOW seconds the source is refused with 429 before any key is checked, so a correct
key from that source is refused too until the window ends.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalice.app import Request

from chalicelib.core import db, errors, metrics, personal

# The fields that say who a public write is for, in order of preference: a reference names one
# record (and so one person), a phone one person.
PERSON_FIELDS = ("reference", "firm_reference", "phone", "contact_phone")

clock: Callable[[], float] = time.time  # the tests move time on


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    window: int  # seconds


# The limits as documented (docs/capacity.md sizes them); WS_* settings may change them.
PERSON = Limit("person", 10, 600)
SOURCE = Limit("source", 1800, 60)
CREDENTIAL = Limit("credential", 5, 900)


def _setting(default: Limit, prefix: str, count_name: str) -> Limit:
    return Limit(default.name, int(os.environ.get(f"WS_{prefix}_{count_name}", str(default.count))),
                 int(os.environ.get(f"WS_{prefix}_WINDOW", str(default.window))))


def person_limit() -> Limit:
    return _setting(PERSON, "PERSON", "WRITES")


def source_limit() -> Limit:
    return _setting(SOURCE, "SOURCE", "WRITES")


def credential_limit() -> Limit:
    return _setting(CREDENTIAL, "CREDENTIAL", "FAILURES")


def person_of(payload: Any) -> str | None:
    """Who a write is for: the first of PERSON_FIELDS the (validated) body carries."""
    values = payload.model_dump() if hasattr(payload, "model_dump") else payload
    if not isinstance(values, dict):
        return None
    for name in PERSON_FIELDS:
        value = values.get(name)
        if isinstance(value, str) and value:
            return f"{name}:{value.upper() if name.endswith('reference') else value}"
    return None


def client_address(request: Request) -> str:
    """The address the request came from. Behind the CDN (WS_TRUSTED_PROXIES=1 in AWS) API Gateway
    sees the CDN's address; the viewer's is the last X-Forwarded-For entry the CDN added."""
    identity = (request.context or {}).get("identity") or {}
    source = str(identity.get("sourceIp") or "unknown")
    hops = int(os.environ.get("WS_TRUSTED_PROXIES", "0"))
    if hops <= 0:
        return source
    chain = [part.strip() for part in (request.headers.get("x-forwarded-for") or "").split(",") if part.strip()]
    if chain and chain[-1] == source:
        chain.pop()  # API Gateway's own entry for the CDN
    return chain[-hops] if len(chain) >= hops else source


def check_write(route: str, source: str, person: str | None) -> None:
    """Count one public write for its person (on this route) and its source, or raise 429."""
    if person is not None:
        _take(person_limit(), f"{route}|{person}")
    _take(source_limit(), source)


def refuse_blocked_source(source: str) -> None:
    """429 when the source has had too many failed credentials lately (checked before the key)."""
    limit = credential_limit()
    window, retry_after = _window(limit)
    item = db.get(*_key(limit, source, window), consistent=True)
    if item is not None and int(item.get("n", 0)) >= limit.count:
        metrics.record(metrics.RATE_LIMITED, limit=limit.name)
        raise errors.rate_limited(retry_after)


def count_failed_credential(source: str) -> None:
    limit = credential_limit()
    window, _ = _window(limit)
    pk, sk = _key(limit, source, window)
    db.count_up(pk, sk, (window + 2) * limit.window)


def _window(limit: Limit) -> tuple[int, int]:
    """The current window's number and the whole seconds until it ends (at least 1)."""
    now = clock()
    window = int(now // limit.window)
    return window, max(1, math.ceil((window + 1) * limit.window - now))


def _key(limit: Limit, subject: str, window: int) -> tuple[str, str]:
    # The subject (an address, a phone) is kept only as a keyed hash.
    return f"RATE#{limit.name}#{personal.keyed_hash('rate', subject)}", f"W#{window}"


def _take(limit: Limit, subject: str) -> None:
    window, retry_after = _window(limit)
    pk, sk = _key(limit, subject, window)
    if not db.count_up(pk, sk, (window + 2) * limit.window, below=limit.count):
        metrics.record(metrics.RATE_LIMITED, limit=limit.name)
        raise errors.rate_limited(retry_after)
