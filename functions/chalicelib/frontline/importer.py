"""Bulk import of a hospital's frontline personnel and family members from the xlsx template.

Every row is checked before anything is written; a bad file gets a row-by-row report in Chinese
and stores nothing. A good file is written in transactions of at most 100 items. The import id
is a hash of the hospital and the file, and household and member ids are derived from it and the
row, so a retry after a failure part-way skips the chunks already written (each chunk writes its
own marker item in its transaction) and completes the rest: never a duplicate.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import zipfile
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from chalicelib.core import audit, db, errors, ids, uow, xlsx
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.frontline import service, store
from chalicelib.frontline.models import DEPLOYMENT_LABELS, FileOut, ImportIn, ImportResult, MemberIn, PersonIn

PERSON_SHEET = "一线人员"
MEMBER_SHEET = "家属"
PERSON_COLUMNS = [("name", "姓名"), ("id_number", "身份证号码"), ("phone", "手机号码"), ("department", "科室"),
                  ("role", "职务或岗位"), ("deployment", "一线岗位"), ("period_start", "开始日期"),
                  ("period_end", "结束日期")]
MEMBER_COLUMNS = [("id_number", "一线人员身份证号码"), ("name", "家属姓名"), ("relation", "关系"), ("age", "年龄"),
                  ("needs", "需要的照顾"), ("address", "居住地址")]
_DEPLOYMENT_BY_LABEL = {label: code for code, label in DEPLOYMENT_LABELS.items()}
MAX_ROWS = 2000
MAX_ERRORS = 200
CHUNK_ITEMS = 100


def template() -> FileOut:
    book = xlsx.Book()
    people = book.sheet(PERSON_SHEET, [xlsx.Column(label, 14) for _, label in PERSON_COLUMNS])
    people.append(["张医生", "370902198001010019", "13800138000", "呼吸内科", "主治医师", "发热门诊", "2020-01-25", ""])
    members = book.sheet(MEMBER_SHEET, [xlsx.Column(label, 20 if name in ("needs", "address") else 14)
                                        for name, label in MEMBER_COLUMNS])
    members.append(["370902198001010019", "李奶奶", "母亲", 78, "独居，行动不便，需要买菜送药", "泰山区某某路 1 号"])
    notes = book.sheet("填写说明", [xlsx.Column("填写说明", 80)])
    notes.append(["一线岗位可填：" + "、".join(DEPLOYMENT_LABELS.values())])
    notes.append(["日期格式为 2020-02-18；结束日期可以不填。示例行请删除后再填写。每个文件最多 2000 行。"])
    return FileOut(filename="一线人员档案导入模板.xlsx", content_base64=book.base64())


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _rows(book: Any, sheet: str, columns: list[tuple[str, str]]) -> list[tuple[int, dict[str, Any]]]:
    if sheet not in book.sheetnames:
        raise errors.validation_failed([FieldError("content_base64", f"文件中没有「{sheet}」工作表，请使用导入模板")])
    rows = list(book[sheet].iter_rows(values_only=True))
    header = [str(c).strip() if c is not None else "" for c in (rows[0] if rows else [])]
    missing = [label for _, label in columns if label not in header]
    if missing:
        raise errors.validation_failed([FieldError("content_base64",
                                                   f"「{sheet}」工作表缺少列：{'、'.join(missing)}，请使用导入模板")])
    where = {name: header.index(label) for name, label in columns}
    found = []
    for number, row in enumerate(rows[1:], start=2):
        values = {name: _cell(row[i]) if i < len(row) else None for name, i in where.items()}
        if all(v in (None, "") for v in values.values()):
            continue
        found.append((number, {k: v for k, v in values.items() if v not in (None, "")}))
    return found


def _load(content: str) -> Any:
    bad = errors.validation_failed([FieldError("content_base64", "文件无法读取，请上传按模板填写的 xlsx 文件")])
    try:
        from openpyxl import load_workbook  # imported here: only an import needs it

        raw = base64.b64decode(content, validate=True)
        return raw, load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (binascii.Error, ValueError, KeyError, OSError, zipfile.BadZipFile):
        raise bad from None
    except Exception:
        raise bad from None


def _errors(sheet: str, row: int, columns: list[tuple[str, str]], exc: ValidationError) -> list[FieldError]:
    labels = dict(columns)
    found = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "必须填写"
        elif error["type"] in ("date_from_datetime_parsing", "date_parsing", "date_type"):
            message = "日期格式应为 2020-02-18"
        elif error["type"] == "enum":
            message = "应为：" + "、".join(DEPLOYMENT_LABELS.values())
        found.append(FieldError(f"{sheet}第{row}行{labels.get(name, '')}", message))
    return found


def _deterministic_reference(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    data = "".join(ids.ALPHABET[b % 32] for b in digest[:8])
    for check in ids.ALPHABET:
        code = ids.normalize_reference(data + check)
        if code:
            return code
    raise AssertionError("no check character")  # pragma: no cover - one of 32 always fits


def import_file(unit_id: str, body: ImportIn, by: Principal) -> ImportResult:
    unit, path = service.hospital(unit_id, by)
    raw, book = _load(body.content_base64)
    people = _rows(book, PERSON_SHEET, PERSON_COLUMNS)
    members = _rows(book, MEMBER_SHEET, MEMBER_COLUMNS)
    if len(people) + len(members) > MAX_ROWS:
        raise errors.validation_failed([FieldError("content_base64",
                                                   f"每个文件最多 {MAX_ROWS} 行，请分成几个文件导入")])
    if not people:
        raise errors.validation_failed([FieldError("content_base64", "「一线人员」工作表中没有数据")])
    import_id = hashlib.sha256(f"{unit.id}|".encode() + raw).hexdigest()[:20]
    at = audit.now_iso()
    problems: list[FieldError] = []
    households: dict[str, dict[str, Any]] = {}
    for row, values in people:
        if "deployment" in values:
            values["deployment"] = _DEPLOYMENT_BY_LABEL.get(str(values["deployment"]), values["deployment"])
        try:
            person = PersonIn.model_validate(values)
        except ValidationError as exc:
            problems += _errors(PERSON_SHEET, row, PERSON_COLUMNS, exc)
            continue
        if person.id_number in households:
            problems.append(FieldError(f"{PERSON_SHEET}第{row}行身份证号码",
                                       f"与第 {households[person.id_number]['row']} 行重复"))
            continue
        person_id = _deterministic_reference(f"{import_id}|{row}")
        existing = store.get_id_entry(service.id_hash(person.id_number), unit.id)
        if existing and existing["person_id"] != person_id:
            problems.append(FieldError(f"{PERSON_SHEET}第{row}行身份证号码", "本院档案中已有这位一线人员"))
            continue
        record = service.person_record(person, unit.id, path, person_id, by, at)
        households[person.id_number] = {"row": row, "record": record, "members": []}
    for row, values in members:
        number = str(values.pop("id_number", ""))
        try:
            member = MemberIn.model_validate(values)
        except ValidationError as exc:
            problems += _errors(MEMBER_SHEET, row, MEMBER_COLUMNS, exc)
            continue
        key = next((k for k in households if k == number.upper().replace(" ", "")), None)
        if key is None:
            problems.append(FieldError(f"{MEMBER_SHEET}第{row}行一线人员身份证号码",
                                       "在「一线人员」工作表中找不到这个身份证号码"))
            continue
        member_id = hashlib.sha256(f"{import_id}|m{row}".encode()).hexdigest()[:8].upper()
        households[key]["members"].append({"id": member_id, **member.model_dump(), "created_at": at,
                                           "created_by": by.actor})
    if problems:
        raise errors.validation_failed(problems[:MAX_ERRORS],
                                       f"文件中有 {len(problems)} 处需要修改，整个文件都没有导入。请改正后重新上传。")
    _write(import_id, list(households.values()), path, by)
    duplicates: list[str] = []
    for household in households.values():
        found = service.flag_duplicates(household["record"]["id_hash"])
        if household["record"]["id"] in found:
            duplicates.append(household["record"]["id"])
    return ImportResult(import_id=import_id, ok=True, persons=len(households),
                        members=sum(len(h["members"]) for h in households.values()), errors=[], duplicates=duplicates)


def _write(import_id: str, households: list[dict[str, Any]], path: str, by: Principal) -> None:
    chain = service.chain(path)
    unit_id = chain[-1]
    overhead = len(chain) + 2  # counters, the chunk marker, the audit entry
    chunks: list[list[dict[str, Any]]] = [[]]
    size = overhead
    for household in households:
        need = 4 + len(household["members"])
        if chunks[-1] and size + need > CHUNK_ITEMS:
            chunks.append([])
            size = overhead
        chunks[-1].append(household)
        size += need
    for n, chunk in enumerate(chunks):
        if store.import_chunk_done(import_id, n):
            continue
        ops: list[db.Op] = [store.mark_import_chunk(import_id, n, len(chunk), audit.now_iso())]
        member_count = 0
        for household in chunk:
            record = {**household["record"], "members": len(household["members"])}
            ops += store.register_person(record)
            for member in household["members"]:
                ops.append(store.register_member(record["id"], member))
                member_count += 1
        ops += store.count(path, {"persons": len(chunk), "members": member_count})
        ops.append(audit.entry(actor=by.actor, action="frontline.import", entity="frontline_import",
                               entity_id=import_id, unit_id=unit_id,
                               after={"chunk": n, "households": len(chunk), "members": member_count}))
        try:
            uow.commit(ops)
        except errors.ProblemError as exc:
            if exc.code == "/problems/chunk-done":
                continue
            raise
