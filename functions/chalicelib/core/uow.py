"""Unit of work: a service decides which changes to make, takes them as `db.Op`s from its
domain's store (each op named for the change, e.g. ``take_seat``), and commits them together here.

In production a commit is one DynamoDB transaction (`db.transact`): every condition holds or
nothing is written, and a failed condition raises that op's domain error. Tests of decisions swap
in `Recording`, which keeps the ops instead of writing them, so booking, fund or delivery logic
can be checked in memory; the DynamoDB Local tests prove the conditions themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from chalicelib.core import db, errors


class UnitOfWork(Protocol):
    def commit(self, ops: Sequence[db.Op]) -> None: ...


class Transaction:
    """The real one: all ops in one DynamoDB transaction."""

    def commit(self, ops: Sequence[db.Op]) -> None:
        db.transact(list(ops))


class Recording:
    """Keeps each commit's ops in order. `refuse` names ops (by `Op.name`) whose condition should
    be taken as failed: the commit then raises that op's domain error and records nothing, as the
    table would."""

    def __init__(self, refuse: Callable[[db.Op], bool] | None = None) -> None:
        self.commits: list[list[db.Op]] = []
        self._refuse = refuse

    def commit(self, ops: Sequence[db.Op]) -> None:
        ops = list(ops)
        for op in ops:
            if self._refuse is not None and self._refuse(op):
                raise op.on_condition_failed or errors.conflict("记录状态已变化，请刷新后重试。")
        self.commits.append(ops)

    @property
    def names(self) -> list[list[str]]:
        """The ops' names per commit, for assertions such as [["take_seat", "registration"]]."""
        return [[op.name for op in ops] for ops in self.commits]


_TRANSACTION = Transaction()
_current: ContextVar[UnitOfWork | None] = ContextVar("unit_of_work", default=None)
_marking: ContextVar[tuple[dict[str, Any], frozenset[str]] | None] = ContextVar("marking", default=None)


def commit(ops: Sequence[db.Op]) -> None:
    """Write these ops together, all or none."""
    marking = _marking.get()
    if marking:
        attributes, skip = marking
        ops = [_marked(op, attributes) for op in ops if op.name not in skip]
    (_current.get() or _TRANSACTION).commit(ops)


def _marked(op: db.Op, attributes: dict[str, Any]) -> db.Op:
    if op.kind != "Put":
        return op
    return db.Op("Put", {**op.params, "Item": {**op.params["Item"], **attributes}}, op.on_condition_failed, op.name)


@contextmanager
def marking(attributes: dict[str, Any], skip: frozenset[str] = frozenset()) -> Iterator[None]:
    """Within the block, every item a commit puts carries these attributes as well, whichever
    domain's service wrote it, and the ops named in `skip` are left out (the demo data set is
    marked `demo` and left out of the counters: core/demo.py)."""
    token = _marking.set((attributes, skip))
    try:
        yield
    finally:
        _marking.reset(token)


def commit_versioned(ops: Sequence[db.Op], pk: str, sk: str) -> None:
    """Commit ops that include a `db.versioned_set` of (pk, sk): when that item is gone the answer
    is 404, when someone else changed it 409."""
    try:
        commit(ops)
    except errors.ProblemError as exc:
        if exc.status == 409 and exc.code == "/problems/version-conflict" and db.get(pk, sk) is None:
            raise errors.not_found() from None
        raise


@contextmanager
def recording(refuse: Callable[[db.Op], bool] | None = None) -> Iterator[Recording]:
    """Within the block, commits are recorded instead of written."""
    fake = Recording(refuse)
    token = _current.set(fake)
    try:
        yield fake
    finally:
        _current.reset(token)
