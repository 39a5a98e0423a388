"""Status of anything the public submitted, by reference + phone, whatever its domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.core import refs
from chalicelib.status.models import LookupIn, StatusView
from chalicelib.support import service as support

# Each domain that issues references says how its record looks to the person who submitted it.
PUBLIC_VIEWS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "support": support.public_status,
}


def lookup(body: LookupIn) -> StatusView:
    kind, record = refs.resolve(body.reference, body.phone)
    return StatusView(**PUBLIC_VIEWS[kind](record))
