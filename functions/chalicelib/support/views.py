"""What staff read: a request in full, a unit's queue, overdue requests over a subtree, roll-up
counts, the xlsx export, a counsellor's cases, a caller's earlier requests and an operator's intakes."""

from __future__ import annotations

import functools
from typing import Any

from chalicelib.core import audit, db, demo, errors, labels, outbox, pagination, personal, retention, xlsx
from chalicelib.core.auth import Principal
from chalicelib.core.times import now_seconds, shanghai_text
from chalicelib.orgs import service as orgs
from chalicelib.support import store
from chalicelib.support.categories import CATEGORIES
from chalicelib.support.models import (
    CallerHistory,
    CallerRequest,
    CategoryCount,
    Counsellor,
    CounsellorList,
    Export,
    HistoryEntry,
    Note,
    QueueItem,
    QueuePage,
    RequestDetail,
    RollupPage,
    RollupRow,
    Status,
)
from chalicelib.support.service import (
    ACT,
    STATUS_LABELS,
    TERMINAL,
    TRANSITIONS,
    about,
    is_overdue,
    load,
    unit_path_in_scope,
)

PAGE = 50
ACTION_LABELS = labels.SUPPORT_ACTION_LABELS
CHANNEL_LABELS = labels.SUPPORT_CHANNEL_LABELS
FRONTLINE_LABELS = labels.FRONTLINE_LABELS


def _sees_phone(by: Principal) -> bool:
    """Roles that call requesters back see whole numbers; read-only roles see them masked."""
    return bool(by.roles & {*ACT, "counsellor"})


def queue_item(record: dict[str, Any], now: str | None = None) -> QueueItem:
    record = retention.for_staff(record)
    return QueueItem(
        reference=record["reference"], category=record["category"],
        category_label=CATEGORIES[record["category"]].label, status=record["status"],
        status_label=STATUS_LABELS[record["status"]], name=personal.mask_name(record["name"]),
        phone=personal.mask_phone(record["phone"]), unit_id=record["unit_id"], channel=record["channel"],
        frontline=record["frontline"], created_at=record["created_at"], due_at=record["due_at"],
        overdue=is_overdue(record, now), version=record["version"], counsellor=record.get("counsellor"),
        callback_attempts=int(record.get("callback_attempts", 0)), demo=demo.marked(record))


def _with_unit_names(records: list[dict[str, Any]], now: str | None = None) -> list[QueueItem]:
    """Queue items of requests handled by several units, each naming its unit."""
    unit_names = {u: orgs.get_unit(u).name for u in {str(r["unit_id"]) for r in records}}
    return [queue_item(r, now).model_copy(update={"unit_name": unit_names[r["unit_id"]]}) for r in records]


def detail(reference: str, by: Principal) -> RequestDetail:
    record = load(reference, by)
    return to_detail(record, by)


def messages(reference: str, by: Principal) -> outbox.MessageHistory:
    """The text messages sent about the request, with their delivery state."""
    record = load(reference, by)
    return outbox.history(about(record["reference"]))


def to_detail(record: dict[str, Any], by: Principal) -> RequestDetail:
    record = retention.for_staff(record)
    entries = audit.history("support", record["reference"], limit=200)
    written = [retention.for_staff(n) for n in store.notes(record["reference"])]
    changes = [e.get("after") or {} for e in entries]
    names = orgs.display_names([*(e["actor"] for e in entries), *(n["author"] for n in written),
                                *(str(a["counsellor"]) for a in changes if a.get("counsellor")),
                                record.get("counsellor"), record.get("operator")])
    unit_names = {u: orgs.get_unit(u).name for u in {str(a["unit_id"]) for a in changes if a.get("unit_id")}}
    history = []
    for entry in entries:
        after = entry.get("after") or {}
        history.append(HistoryEntry(action=entry["action"], action_label=ACTION_LABELS.get(entry["action"], "变更"),
                                    actor=entry["actor"], actor_name=names.get(entry["actor"]), at=entry["at"],
                                    status=after.get("status"), unit_id=after.get("unit_id"),
                                    unit_name=unit_names.get(after.get("unit_id") or ""),
                                    counsellor=after.get("counsellor"),
                                    counsellor_name=names.get(after.get("counsellor") or "")))
    notes = [Note(text=n["text"], author=n["author"], author_name=names.get(n["author"]), at=n["at"]) for n in written]
    phone = record["phone"] if _sees_phone(by) else personal.mask_phone(record["phone"])
    return RequestDetail(
        reference=record["reference"], category=record["category"],
        category_label=CATEGORIES[record["category"]].label, description=record["description"],
        name=record["name"], phone=phone, relation=record.get("relation"), county_unit_id=record["county_unit_id"],
        unit_id=record["unit_id"], unit_name=orgs.get_unit(record["unit_id"]).name, frontline=record["frontline"],
        contact_time=record.get("contact_time"), channel=record["channel"], operator=record.get("operator"),
        operator_name=names.get(record.get("operator") or ""),
        status=record["status"], status_label=STATUS_LABELS[record["status"]], version=record["version"],
        created_at=record["created_at"], updated_at=record["updated_at"], due_at=record["due_at"],
        overdue=is_overdue(record), counsellor=record.get("counsellor"),
        counsellor_name=names.get(record.get("counsellor") or ""),
        callback_attempts=int(record.get("callback_attempts", 0)), outcome=record.get("outcome"),
        reason=record.get("reason"), public_message=record.get("public_message"),
        allowed_transitions=sorted(TRANSITIONS[record["status"]]), notes=notes, history=history,
        demo=demo.marked(record))


def _filters(status: str | None, category: str | None) -> tuple[str | None, str | None]:
    if status and status not in Status.__members__:
        raise errors.bad_request("状态不是可选的值。", "status")
    if category and category not in CATEGORIES:
        raise errors.bad_request("求助类别不是可选的值。", "category")
    return status or None, category or None


def queue(unit_id: str, by: Principal, cursor: str | None, status: str | None = None,
          category: str | None = None, overdue: bool = False) -> QueuePage:
    """One page of a unit's own queue (oldest first), or with overdue=True its overdue requests."""
    unit_path_in_scope(unit_id, by)
    status, category = _filters(status, category)
    now = now_seconds()
    scope = f"support-queue:{unit_id}:{status}:{category}:{overdue}:{by.unit_path}"
    start = pagination.decode_cursor(cursor, scope)
    if overdue:
        def chosen(pointer: dict[str, Any]) -> dict[str, Any] | None:
            r = store.get_request(pointer["reference"])
            return r if r and (not status or r["status"] == status) and (not category or r["category"] == category) \
                else None

        records, last = db.kept_page(functools.partial(store.overdue_page, unit_id, now), chosen,
                                     pagination.size(PAGE), start, db.page_keys())
    else:
        records, last = store.queue_page(unit_id, pagination.size(PAGE), start, status, category)
    return QueuePage(items=[queue_item(r, now) for r in records], next_cursor=pagination.encode_cursor(last, scope))


def overdue_in_subtree(unit_id: str, by: Principal, cursor: str | None) -> QueuePage:
    """The overdue requests of the unit and every unit under it, most overdue first (by due time,
    then reference), each with the name of the unit that handles it."""
    unit_path_in_scope(unit_id, by)
    now = now_seconds()
    scope = f"support-overdue:{unit_id}:{by.unit_path}"

    def still_overdue(pointer: dict[str, Any]) -> dict[str, Any] | None:
        record = store.get_request(pointer["reference"])
        return record if record and is_overdue(record, now) else None

    records, last = db.kept_page(functools.partial(store.overdue_in_subtree_page, unit_id, now), still_overdue,
                                 pagination.size(PAGE), pagination.decode_cursor(cursor, scope), ("SK",))
    return QueuePage(items=_with_unit_names(records, now), next_cursor=pagination.encode_cursor(last, scope))


def rollup(unit_id: str, by: Principal, cursor: str | None) -> RollupPage:
    """Counts per unit and category; each unit's numbers include the units under it."""
    unit_path_in_scope(unit_id, by)
    units = orgs.subtree(unit_id, cursor, limit=25)
    rows = []
    for unit in units.items:
        categories = []
        for item in store.counters(unit.id):
            by_status = {s: int(item.get(s, 0)) for s in STATUS_LABELS}
            open_count = sum(n for s, n in by_status.items() if s not in TERMINAL)
            code = str(item["category"])
            label = CATEGORIES[code].label if code in CATEGORIES else code
            categories.append(CategoryCount(category=code, category_label=label, total=int(item.get("total", 0)),
                                            open=open_count, by_status=by_status))
        rows.append(RollupRow(unit_id=unit.id, unit_name=unit.name, depth=unit.depth,
                              total=sum(c.total for c in categories), open=sum(c.open for c in categories),
                              categories=categories))
    return RollupPage(items=rows, next_cursor=units.next_cursor)


EXPORT_LIMIT = 5000
EXPORT_COLUMNS = [xlsx.Column(h, w) for h, w in (
    ("查询编号", 14), ("类别", 16), ("状态", 14), ("姓名", 10), ("手机号码", 14), ("与求助人关系", 10),
    ("一线人员", 10), ("渠道", 10), ("提交时间", 17), ("应答期限", 17), ("是否逾期", 8), ("回电次数", 8),
    ("心理咨询师", 12), ("需要什么帮助", 40), ("给求助人的答复", 30))]


def export(unit_id: str, by: Principal, status: str | None, category: str | None) -> Export:
    """The unit's queue as an xlsx workbook; whole phone numbers only for roles that call back."""
    unit_path_in_scope(unit_id, by)
    status, category = _filters(status, category)
    now = now_seconds()
    book = xlsx.Book()
    sheet = book.sheet("求助队列", EXPORT_COLUMNS)
    start: dict[str, Any] | None = None
    rows = 0
    while rows < EXPORT_LIMIT:
        records, start = store.queue_page(unit_id, 200, start, status, category)
        for r in map(retention.for_staff, records):
            phone = r["phone"] if by.roles & set(ACT) else personal.mask_phone(r["phone"])
            name = r["name"] if by.roles & set(ACT) else personal.mask_name(r["name"])
            sheet.append([r["reference"], CATEGORIES[r["category"]].label, STATUS_LABELS[r["status"]], name, phone,
                          r.get("relation", ""), FRONTLINE_LABELS.get(r["frontline"], ""),
                          CHANNEL_LABELS.get(r["channel"], r["channel"]), shanghai_text(r["created_at"]),
                          shanghai_text(r["due_at"]),
                          "是" if is_overdue(r, now) else "否", int(r.get("callback_attempts", 0)),
                          r.get("counsellor") or "", r["description"], r.get("public_message", "")])
            rows += 1
        if not start:
            break
    stamp = shanghai_text(now).replace("-", "").replace(" ", "-").replace(":", "")
    return Export(filename=xlsx.filename("求助队列", orgs.get_unit(unit_id).name, stamp), content_type=xlsx.MEDIA_TYPE,
                  content_base64=book.base64(), rows=rows)


# --- counsellors, callers, operators -------------------------------------------------------------

def counsellor_list() -> CounsellorList:
    return CounsellorList(items=[Counsellor(username=c["SK"], name=c["name"], qualification=c["qualification"],
                                            availability=c["availability"], active=bool(c["active"]),
                                            open_cases=max(0, int(c.get("open_cases", 0))))
                                 for c in store.counsellors()])


def counsellor_cases(by: Principal, cursor: str | None) -> QueuePage:
    scope = f"counsellor-cases:{by.id}"
    def own(link: dict[str, Any]) -> dict[str, Any] | None:
        record = store.get_request(link["reference"])
        return record if record and record.get("counsellor") == by.id else None

    records, last = db.kept_page(functools.partial(store.counsellor_cases, by.id), own, pagination.size(PAGE),
                                 pagination.decode_cursor(cursor, scope), db.page_keys())
    return QueuePage(items=[queue_item(r) for r in records], next_cursor=pagination.encode_cursor(last, scope))


def caller_history(phone: str, by: Principal) -> CallerHistory:
    """A caller's earlier requests that lie in the caller's subtree, newest first."""
    links = store.caller_links(personal.keyed_hash("phone", phone))
    items = []
    for link in links:
        record = store.get_request(link["reference"])
        if record is None or not by.covers(record["unit_path"]):
            continue
        record = retention.for_staff(record)
        items.append(CallerRequest(reference=record["reference"], category_label=CATEGORIES[record["category"]].label,
                                   status_label=STATUS_LABELS[record["status"]], created_at=record["created_at"],
                                   unit_name=orgs.get_unit(record["unit_id"]).name,
                                   phone=personal.mask_phone(record["phone"])))
    return CallerHistory(phone=personal.mask_phone(phone), items=items)


def operator_intakes(by: Principal, cursor: str | None) -> QueuePage:
    scope = f"hotline-intakes:{by.id}"
    records, last = db.kept_page(functools.partial(store.intakes, by.id),
                                 lambda link: store.get_request(link["reference"]), pagination.size(PAGE),
                                 pagination.decode_cursor(cursor, scope), db.page_keys())
    return QueuePage(items=_with_unit_names(records), next_cursor=pagination.encode_cursor(last, scope))
