"""Counts of sessions and registrations for the dashboard, from the subtree figures every booking
write keeps for the session's unit and each ancestor (store.count_figures): a unit's figures are
its shards' sum, and any number of units is one BatchGetItem per 10 units, never a Scan nor a read
per unit below them."""

from __future__ import annotations

from typing import Any

from chalicelib.booking import store
from chalicelib.booking.models import KIND_LABELS, Kind
from chalicelib.core import uow

FIELDS = store.FIGURES
Counts = dict[str, dict[str, int]]


def subtree_counts(unit_ids: list[str]) -> dict[str, Counts]:
    """Per unit, per session kind, the counts of the sessions of the unit and every unit under it."""
    return store.subtree_figures(unit_ids)


def rows(counts: Counts) -> list[dict[str, Any]]:
    """One row per kind with sessions, in the kinds' own order."""
    return [{"kind": kind.value, "label": KIND_LABELS[kind], **counts[kind.value]} for kind in Kind
            if counts.get(kind.value, {}).get("sessions")]


def session_counts(session: dict[str, Any]) -> Counts:
    """What one session adds to its units' figures (as read, its seat shards summed in)."""
    return {str(session["kind"]): {"sessions": 1, **{f: int(session.get(f, 0)) for f in FIELDS[1:]}}}


def rebuild(sessions: list[dict[str, Any]], unit_ids: list[str]) -> int:
    """Set the subtree figures of these units from these sessions (every session in the table, as
    stored; a maintenance command reads them): for tables whose figures start empty, or to set them
    right again. Shard 0 of each unit takes what its other shards do not already hold, so the sum
    is the sessions' own counts; run it at a quiet time (a booking meanwhile may be counted twice
    or not at all, and a second run sets that right). Returns how many units' figures changed."""
    truth: dict[str, Counts] = {u: {} for u in unit_ids}
    for session in store.with_seats(sessions):
        if session.get("demo"):
            continue  # demonstration sessions are left out of the figures
        for unit in store.path_units(session["unit_path"]):
            store.add_counts(truth.setdefault(unit, {}), session_counts(session))
    shards = store.figure_shards(list(truth))
    changed = 0
    for unit, counts in truth.items():
        first: Counts = {}
        store.add_counts(first, counts)
        for (owner, n), held in shards.items():
            if owner == unit and n:
                store.add_counts(first, held, -1)
        if first != shards.get((unit, 0), {}) and (first or (unit, 0) in shards):
            uow.commit([store.put_figures(unit, 0, first)])
            changed += 1
    return changed
