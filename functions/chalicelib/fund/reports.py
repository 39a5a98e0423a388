"""Fund reports: balance and spending per unit and category over a subtree, and the xlsx export."""

from __future__ import annotations

from typing import Any

from chalicelib.core import times, xlsx
from chalicelib.core.auth import Principal
from chalicelib.fund import categories, service, store
from chalicelib.fund.models import CategoryAmount, Export, Report, ReportRow
from chalicelib.orgs import service as orgs

EXPORT_MAX_UNITS = 2000


def _row(unit: Any, totals: dict[tuple[str, str], dict[str, Any]]) -> ReportRow:
    sub = totals.get((unit.id, "SUBTREE"), {})
    own = totals.get((unit.id, "OWN"), {})
    spent = int(sub.get("spent", 0))
    frontline = int(sub.get("frontline", 0))
    return ReportRow(
        unit_id=unit.id, unit_name=unit.name, parent_id=unit.parent_id, depth=unit.depth,
        balance_fen=int(own.get("balance", 0)), spent_fen=int(own.get("spent", 0)),
        subtree_funded_fen=int(sub.get("funded", 0)), subtree_balance_fen=int(sub.get("balance", 0)),
        subtree_spent_fen=spent, subtree_frontline_fen=frontline,
        frontline_share=round(frontline / spent, 4) if spent > 0 else None,
        categories=[CategoryAmount(category=code, label=c.label, amount_fen=int(sub.get(f"cat_{code}", 0)))
                    for code, c in categories.CATEGORIES.items() if sub.get(f"cat_{code}")],
        monthly={name[6:]: int(value) for name, value in sorted(sub.items())
                 if name.startswith("month_") and int(value)},
    )


def report(unit_id: str, year: int, cursor: str | None, by: Principal) -> Report:
    """One page of the unit's subtree in tree order (the orgs cursor is signed and bound to the path)."""
    service.scoped_unit(unit_id, by)
    units = orgs.subtree(unit_id, cursor, limit=100)
    totals = store.totals([u.id for u in units.items], year)
    return Report(unit_id=unit_id, year=year, items=[_row(u, totals) for u in units.items],
                  next_cursor=units.next_cursor)


def all_rows(unit_id: str, year: int, by: Principal) -> list[ReportRow]:
    rows: list[ReportRow] = []
    cursor: str | None = None
    while len(rows) < EXPORT_MAX_UNITS:
        page = report(unit_id, year, cursor, by)
        rows += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    return rows


def export(unit_id: str, year: int, by: Principal) -> Export:
    rows = all_rows(unit_id, year, by)
    book = xlsx.Book()
    codes = list(categories.CATEGORIES)
    columns = [xlsx.Column(h, w) for h, w in (
        ("单位编号", 16), ("单位名称", 24), ("上级单位", 16), ("本单位余额（元）", 14), ("本单位支出（元）", 14),
        ("含下级设立专项资金（元）", 16), ("含下级余额（元）", 14), ("含下级支出（元）", 14),
        ("其中一线支出（元）", 14), ("一线占比", 10))]
    sheet = book.sheet("汇总", [*columns, *(xlsx.Column(f"{categories.label(c)}（元）", 14) for c in codes)])
    for row in rows:
        by_code = {c.category: c.amount_fen for c in row.categories}
        sheet.append([row.unit_id, "  " * row.depth + row.unit_name, row.parent_id or "",
                      _yuan(row.balance_fen), _yuan(row.spent_fen), _yuan(row.subtree_funded_fen),
                      _yuan(row.subtree_balance_fen), _yuan(row.subtree_spent_fen), _yuan(row.subtree_frontline_fen),
                      row.frontline_share if row.frontline_share is not None else "",
                      *[_yuan(by_code.get(c, 0)) for c in codes]])
    entries = book.sheet("本单位明细账", [xlsx.Column(h, w) for h, w in (
        ("账目编号", 24), ("时间（北京时间）", 17), ("类型", 12), ("类别", 16), ("金额（元）", 12),
        ("对余额影响（元）", 14), ("收款人或供应商", 20), ("受益对象", 14), ("票据号", 14), ("对方单位", 14),
        ("冲正的账目", 24), ("录入人", 14), ("审批人", 14), ("说明", 30))])
    cursor: str | None = None
    count = 0
    while True:
        page = service.ledger(unit_id, year, cursor, by)
        for e in page.items:
            entries.append([e.entry_id, times.shanghai_text(e.at), e.kind_label, e.category_label or "",
                            _yuan(e.amount_fen), _yuan(e.balance_effect_fen), e.payee or "", e.beneficiary or "",
                            e.receipt or "", e.counterpart_unit_id or "", e.reverses or "", e.entered_by,
                            e.approved_by or "", e.note or ""])
            count += 1
        cursor = page.next_cursor
        if not cursor or count >= 20000:
            break
    return Export(filename=xlsx.filename("专项资金报表", _unit_name(rows, unit_id), f"{year}年"),
                  content_type=xlsx.MEDIA_TYPE, content_base64=book.base64(), rows=len(rows))


def _unit_name(rows: list[ReportRow], unit_id: str) -> str:
    return next((r.unit_name for r in rows if r.unit_id == unit_id), unit_id)


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"
