from __future__ import annotations

from typing import Any

from chalicelib.core import errors, pagination
from chalicelib.orgs import store
from chalicelib.orgs.models import KIND_LABELS, Unit, UnitKind, UnitPage


def to_unit(item: dict[str, Any]) -> Unit:
    kind = UnitKind(item["kind"])
    return Unit(id=item["id"], name=item["name"], kind=kind, kind_label=KIND_LABELS[kind],
                parent_id=item.get("parent_id"), county=item.get("county"),
                depth=item["path"].count("/") - 2)


def get_unit(unit_id: str) -> Unit:
    item = store.get_unit(unit_id)
    if item is None:
        raise errors.not_found("没有这个工会组织。")
    return to_unit(item)


def unit_path(unit_id: str) -> str:
    item = store.get_unit(unit_id)
    if item is None:
        raise errors.not_found("没有这个工会组织。")
    return str(item["path"])


def subtree(unit_id: str, cursor: str | None, limit: int = 100) -> UnitPage:
    """The unit and every unit under it, in tree order, one page at a time."""
    path = unit_path(unit_id)
    scope = f"units:{path}"
    items, last = store.subtree_page(path, limit, pagination.decode_cursor(cursor, scope))
    return UnitPage(items=[to_unit(i) for i in items], next_cursor=pagination.encode_cursor(last, scope))
