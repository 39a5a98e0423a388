"""The demo data set's mark (tools/demo.py writes the set through the domains' services).

Demo records carry `demo: true`; pages show them as 示例. They are never counted in the figures
that roll up to the parent union: while the set is written, the ops that add to those counters
(`UNCOUNTED`, by the stores' names for them) are left out of each commit (`uow.marking`), and a
later change to a demo record does not move them either (services ask `counted(record)` before
adding their counter ops). Figures read from the records themselves (sessions, campaigns) skip
the records `counted` refuses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from chalicelib.core import uow

ATTRIBUTE = "demo"
# The stores' ops that add to the roll-up counters: support's per-unit and weekly counters,
# frontline's subtree counters, delivery's package counts, the fund's subtree totals, booking's
# subtree figures, and the count of new requests in a unit's batched staff alert (demo requests
# alert nobody). A demo support request's DUE# items are written, marked: the subtree's overdue list
# shows the request and the subtree's count leaves it out.
UNCOUNTED = frozenset({"count", "count_week", "count_packages", "add_totals", "count_figures", "outbox_batched"})


def marked(record: Mapping[str, Any] | None) -> bool:
    """Is this a demo record (shown to staff with the 示例数据 badge)?"""
    return bool((record or {}).get(ATTRIBUTE))


def counted(record: Mapping[str, Any] | None) -> bool:
    """Does this record count in the figures sent upward (it is not a demo record)?"""
    return not (record or {}).get(ATTRIBUTE)


@contextmanager
def writing() -> Iterator[None]:
    """Within the block, whatever the services write is a demo record and counts nowhere."""
    with uow.marking({ATTRIBUTE: True}, UNCOUNTED):
        yield


def of(record: Mapping[str, Any] | None) -> AbstractContextManager[None]:
    """Writing a change to this record: as demo (marked, counted nowhere) when it is a demo record."""
    return writing() if not counted(record) else nullcontext()
