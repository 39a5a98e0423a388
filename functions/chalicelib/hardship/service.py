"""Registered hardship workers (notice part 2.4): the register imported from xlsx, the contact
person's checks on each family, and the protective supplies given (linked to a supply purchase in
the fund's ledger)."""

from __future__ import annotations

import base64
import binascii
import io
import re
import secrets
import zipfile
from typing import Any

from chalicelib.core import audit, db, demo, errors, ids, pagination, personal, refs, retention, roles, uow
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.fund import categories as fund_categories
from chalicelib.fund import service as fund
from chalicelib.hardship import store
from chalicelib.hardship.models import (
    MAX_IMPORT_ROWS,
    Check,
    CheckIn,
    ContactChoice,
    ContactChoices,
    ImportIn,
    ImportResult,
    Supply,
    SupplyIn,
    Worker,
    WorkerDetail,
    WorkerIn,
    WorkerPage,
)
from chalicelib.orgs import service as orgs

# Columns of the import sheet: header text -> field.
COLUMNS = {"姓名": "name", "身份证号": "id_number", "手机号码": "phone", "困难情况": "hardship", "联系人": "contact"}
REQUIRED = ("name", "id_number", "phone", "hardship")
LABELS = {v: k for k, v in COLUMNS.items()}
ROWS_PER_TRANSACTION = 30  # three items a row (worker, ID guard, reference), plus the audit entry
REF_KIND = "hardship"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")


def _unit_path(unit_id: str, by: Principal) -> str:
    return orgs.scoped_path(unit_id, by)


def _rows(content: str) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook  # imported here: only an import needs it

    try:
        raw = base64.b64decode(content, validate=False)
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (binascii.Error, ValueError, KeyError, OSError, zipfile.BadZipFile):
        raise errors.validation_failed([FieldError("content_base64", "文件不是有效的 xlsx 表格")]) from None
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(lines, ())]
    missing = [name for name, field in COLUMNS.items() if field in REQUIRED and name not in header]
    if missing:
        raise errors.validation_failed([FieldError("content_base64", f"表头缺少：{'、'.join(missing)}")])
    rows = []
    for number, line in enumerate(lines, start=2):
        values = {COLUMNS[h]: ("" if v is None else str(v).strip()) for h, v in zip(header, line, strict=False)
                  if h in COLUMNS}
        if any(values.values()):
            rows.append((number, values))
        if len(rows) > MAX_IMPORT_ROWS:
            raise errors.validation_failed([FieldError("content_base64", f"一次最多导入 {MAX_IMPORT_ROWS} 行")])
    if not rows:
        raise errors.validation_failed([FieldError("content_base64", "表格里没有数据行")])
    return rows


def _registered(id_hash: str, by: Principal) -> str | None:
    """Why an ID number cannot be registered again: named as in the register inside the caller's
    subtree; outside it only that it is registered elsewhere (no unit, worker or reference)."""
    entry = store.get_id(id_hash)
    if entry is None:
        return None
    worker = store.get_worker(entry["worker_id"])
    inside = worker is not None and by.covers(orgs.unit_path(worker["unit_id"]))
    return "已在困难职工档案中" if inside else personal.REGISTERED_ELSEWHERE


def _check_row(number: int, values: dict[str, str], seen: set[str], unit_path: str,
               by: Principal) -> tuple[dict[str, Any], list[FieldError]]:
    problems: list[FieldError] = []

    def bad(field: str, message: str) -> None:
        problems.append(FieldError(f"第{number}行.{LABELS[field]}", f"第 {number} 行{LABELS[field]}{message}"))

    for field in REQUIRED:
        if not values.get(field):
            bad(field, "为必填项")
    clean: dict[str, Any] = {}
    if values.get("name") and len(values["name"]) > 30:
        bad("name", "不能超过 30 个字")
    if values.get("hardship") and len(values["hardship"]) > 200:
        bad("hardship", "不能超过 200 个字")
    for field, check in (("id_number", personal.normalize_id_number), ("phone", personal.normalize_phone)):
        if values.get(field):
            try:
                clean[field] = check(values[field])
            except ValueError as exc:
                bad(field, str(exc))
    contact = values.get("contact") or ""
    if contact and not USERNAME.match(contact):
        bad("contact", "应为工作人员的登录名")
    elif contact and not _contact_ok(contact, unit_path, by):
        bad("contact", NO_CONTACT_ROW)
    if "id_number" in clean:
        id_hash = personal.keyed_hash("hardship-id", clean["id_number"])
        if id_hash in seen:
            bad("id_number", "与表格中前面的行重复")
        elif (registered := _registered(id_hash, by)) is not None:
            problems.append(FieldError(f"第{number}行.{LABELS['id_number']}",
                                       f"第 {number} 行{LABELS['id_number']}{registered}"))
        seen.add(id_hash)
        clean["id_hash"] = id_hash
    return {**values, **clean, "contact": contact or None}, problems


def import_register(unit_id: str, body: ImportIn, by: Principal) -> ImportResult:
    """Validate every row first; write only when all are good. Rows go in transactions of 40; if a
    later one fails (a duplicate registered meanwhile), the earlier ones are taken out again, so
    nothing is left half-imported."""
    path = _unit_path(unit_id, by)
    seen: set[str] = set()
    records, problems = [], []
    for number, values in _rows(body.content_base64):
        record, row_problems = _check_row(number, values, seen, path, by)
        records.append(record)
        problems += row_problems
    if problems:
        raise errors.validation_failed(problems[:100], f"有 {len(problems)} 处需要修改，整个表格都没有导入。")
    now = audit.now_iso()
    batch = secrets.token_hex(6)
    written: list[tuple[str, str]] = []
    worker_ids = []
    for start in range(0, len(records), ROWS_PER_TRANSACTION):
        ops: list[db.Op] = []
        keys: list[tuple[str, str]] = []
        for row in records[start:start + ROWS_PER_TRANSACTION]:
            record = _record(unit_id, row, now, batch, by)
            worker_id = record["worker_id"]
            ops += [*store.add_worker(record),
                    # the register number and phone open the person's own data at /privacy/
                    *refs.index_ops(worker_id, REF_KIND, *store.worker_key(worker_id), row["phone"], now)]
            keys += [store.worker_key(worker_id), store.id_key(row["id_hash"]), refs.ref_key(worker_id)]
            worker_ids.append(worker_id)
        ops.append(audit.entry(actor=by.actor, action="hardship.import", entity="hardship_import", entity_id=batch,
                               unit_id=unit_id, after={"rows": len(keys) // 3, "from_row": start}))
        try:
            uow.commit(ops)
        except Exception:
            _undo(written)
            raise
        written += keys
    return ImportResult(imported=len(worker_ids), worker_ids=worker_ids)


# Who may be a worker's contact person: an active account that records visits and whose scope takes in
# the worker's unit (its own unit is the worker's or one above it), named by the caller.
CONTACT_ROLES = roles.VISITS
NO_CONTACT = ("不能担任这位职工的联系人：没有这个在用的工作人员账号，或不属于这个单位（或其上级），"
              "或没有走访的权限。请从「联系人」列表中选择；列表里没有合适的人时，先在「组织与人员」页"
              "为其开设账号，也可以先不选。")
NO_CONTACT_ROW = ("不是这个单位（或其上级）在用的、可以走访的工作人员登录名；请核对，"
                  "或先在「组织与人员」页开设账号，也可以留空")


def _contact_ok(username: str, unit_path: str, by: Principal) -> bool:
    """An active staff account of this login that can record the worker's visits, in the caller's subtree."""
    return orgs.acts_over(username, unit_path, CONTACT_ROLES, by)


def contact_choices(unit_id: str, by: Principal) -> ContactChoices:
    """The staff a worker of this unit may be given as contact person, the unit's own first."""
    staff = orgs.staff_over(unit_id, CONTACT_ROLES, by)
    names = {u: orgs.get_unit(u).name for u in {s.unit_id for s in staff}}  # the units are cached
    return ContactChoices(items=[ContactChoice(username=s.username, name=s.name, unit_id=s.unit_id,
                                               unit_name=names[s.unit_id])
                                 for s in staff])


def _record(unit_id: str, row: dict[str, Any], now: str, batch: str, by: Principal) -> dict[str, Any]:
    record = {"worker_id": ids.new_reference(), "unit_id": unit_id, "name": row["name"],
              "id_hash": row["id_hash"], "id_masked": personal.mask_id_number(row["id_number"]),
              "phone": row["phone"], "hardship": row["hardship"], "contact": row.get("contact"),
              "import_batch": batch, "created_at": now, "created_by": by.actor, "supplies_given": 0}
    return {k: v for k, v in record.items() if v is not None}


def register_worker(unit_id: str, body: WorkerIn, by: Principal) -> WorkerDetail:
    """One worker registered from the page's form: every wrong field named at once, nothing stored."""
    path = _unit_path(unit_id, by)
    id_hash = personal.keyed_hash("hardship-id", body.id_number)
    problems = []
    if (registered := _registered(id_hash, by)) is not None:
        inside = registered != personal.REGISTERED_ELSEWHERE
        problems.append(FieldError("id_number", f"这个身份证号{registered}，不能重复登记。" + (
            "请在下面的名册中找到此人记录走访。" if inside else "")))
    if body.contact and not _contact_ok(body.contact, path, by):
        problems.append(FieldError("contact", NO_CONTACT))
    if problems:
        raise errors.validation_failed(problems)
    now = audit.now_iso()
    record = _record(unit_id, {**body.model_dump(), "id_hash": id_hash}, now, "single", by)
    worker_id = record["worker_id"]
    uow.commit([
        *store.add_worker(record, already="这个身份证号刚被登记进困难职工档案，不能重复登记。请刷新名册查看。"),
        *refs.index_ops(worker_id, REF_KIND, *store.worker_key(worker_id), body.phone, now),
        audit.entry(actor=by.actor, action="hardship.register", entity="hardship_worker", entity_id=worker_id,
                    unit_id=unit_id, after={"contact": body.contact}),
    ])
    return detail(worker_id, by)


def _undo(keys: list[tuple[str, str]]) -> None:
    for start in range(0, len(keys), 90):
        uow.commit(store.remove(keys[start:start + 90]))


def _worker(item: dict[str, Any], names: dict[str, str]) -> Worker:
    item = retention.for_staff(item)
    return Worker(worker_id=item["worker_id"], unit_id=item["unit_id"], name=item["name"],
                  id_masked=item["id_masked"], phone=personal.mask_phone(item["phone"]), hardship=item["hardship"],
                  contact=item.get("contact"), contact_name=names.get(item.get("contact") or ""),
                  last_check_at=item.get("last_check_at"), supplies_given=item.get("supplies_given", 0),
                  demo=demo.marked(item))


def workers(unit_id: str, cursor: str | None, by: Principal) -> WorkerPage:
    _unit_path(unit_id, by)
    scope = f"hardship:{unit_id}:{by.unit_path}"
    items, last = store.unit_workers(unit_id, pagination.size(50), pagination.decode_cursor(cursor, scope))
    names = orgs.display_names(i.get("contact") for i in items)
    return WorkerPage(items=[_worker(i, names) for i in items], next_cursor=pagination.encode_cursor(last, scope))


def _scoped_worker(worker_id: str, by: Principal, write: bool = False) -> dict[str, Any]:
    item = store.get_worker(worker_id) if len(worker_id) <= 20 else None
    if item is None:
        raise errors.not_found()
    _unit_path(item["unit_id"], by)
    if write and retention.erased(item):
        raise errors.conflict("这位职工的个人信息已按本人要求删除，不能再记录。", "erased")
    return item


def public_status(record: dict[str, Any]) -> dict[str, Any]:
    """What a registered worker sees when they look up their register number."""
    return {"reference": record["worker_id"], "kind_label": "困难职工档案", "status": "registered",
            "status_label": "已在档", "updated_at": record.get("last_check_at") or record["created_at"],
            "unit_name": orgs.get_unit(record["unit_id"]).name}


def detail(worker_id: str, by: Principal) -> WorkerDetail:
    item = _scoped_worker(worker_id, by)
    checked = [retention.for_staff(c) for c in store.history(worker_id, "CHECK")]
    given = store.history(worker_id, "SUPPLY")
    names = orgs.display_names([item.get("contact"), *(c["by"] for c in checked), *(s["by"] for s in given)])
    checks = [Check(situation=c["situation"], precautions=c["precautions"], weak_protection=c["weak_protection"],
                    by=c["by"], by_name=names.get(c["by"]), at=c["at"]) for c in checked]
    supplies = [Supply(items=s["items"], entry_id=s["entry_id"], category_label=s.get("category_label"), by=s["by"],
                       by_name=names.get(s["by"]), at=s["at"]) for s in given]
    return WorkerDetail(**_worker(item, names).model_dump(), checks=checks, supplies=supplies)


def record_check(worker_id: str, body: CheckIn, by: Principal) -> WorkerDetail:
    item = _scoped_worker(worker_id, by, write=True)
    at = audit.now_iso()
    uow.commit([
        *store.record_check(worker_id, {"situation": body.situation, "precautions": body.precautions,
                                        "weak_protection": body.weak_protection, "by": by.actor}, at),
        audit.entry(actor=by.actor, action="hardship.check", entity="hardship_worker", entity_id=worker_id,
                    unit_id=item["unit_id"], after={"weak_protection": body.weak_protection}),
    ])
    return detail(worker_id, by)


def record_supply(worker_id: str, body: SupplyIn, by: Principal) -> WorkerDetail:
    """Supplies given, linked to the supply purchase they came from (a spend in the caller's scope)."""
    item = _scoped_worker(worker_id, by, write=True)
    try:
        entry = fund.get_entry(body.entry_id, by)
    except errors.ProblemError as exc:
        if exc.status >= 500:  # an outage is not a missing record
            raise
        entry = None
    if entry is None or entry.kind != "spend" or entry.category not in fund_categories.SUPPLY_CATEGORIES:
        raise errors.validation_failed([FieldError("entry_id", "对应的物资采购账目编号不存在，或不是防疫物资采购支出")])
    at = audit.now_iso()
    uow.commit([
        *store.record_supply(worker_id, {"items": body.items, "entry_id": entry.entry_id,
                                         "category_label": entry.category_label, "by": by.actor}, at),
        audit.entry(actor=by.actor, action="hardship.supply", entity="hardship_worker", entity_id=worker_id,
                    unit_id=item["unit_id"], after={"entry_id": entry.entry_id}),
    ])
    return detail(worker_id, by)
