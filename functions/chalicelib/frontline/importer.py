"""Bulk import of a hospital's frontline personnel and family members from the xlsx template.

Every row is checked before anything is written; a bad file gets a row-by-row report in Chinese
(and, from the check route, the same report as an xlsx file) and stores nothing. Cells Excel holds
as numbers (a phone, an ID number typed without a leading quote) are read as the text they show.

A person already in the hospital's archive is not entered twice: the family members the file lists
for them are added to the existing household (a member already there, by name and relation, is
left as it is). A good file is written in transactions of at most 100 items. The import id is a
hash of the hospital and the file, and household and member ids are derived from it and the row,
so a retry after a failure part-way skips the chunks already written (each chunk writes its own
marker item in its transaction) and completes the rest: never a duplicate.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from chalicelib.core import audit, db, errors, ids, personal, requests, retention, uow, xlsx
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.frontline import service, store
from chalicelib.frontline.models import (
    DEPLOYMENT_LABELS,
    FileOut,
    ImportCheck,
    ImportIn,
    ImportResult,
    ImportRowError,
    MemberIn,
    PersonIn,
)

PERSON_SHEET = "一线人员"
MEMBER_SHEET = "家属"
PERSON_COLUMNS = [("name", "姓名"), ("id_number", "身份证号码"), ("phone", "手机号码"), ("department", "科室"),
                  ("role", "职务或岗位"), ("deployment", "一线岗位"), ("period_start", "开始日期"),
                  ("period_end", "结束日期")]
MEMBER_COLUMNS = [("id_number", "一线人员身份证号码"), ("name", "家属姓名"), ("relation", "关系"), ("age", "年龄"),
                  ("needs", "需要的照顾"), ("address", "居住地址")]
NUMBER_COLUMNS = {"age"}  # every other column is text, whatever type Excel gave the cell
_DEPLOYMENT_BY_LABEL = {label: code for code, label in DEPLOYMENT_LABELS.items()}
MAX_ROWS = 2000
MAX_ERRORS = 200
CHUNK_ITEMS = 100
NUMBER_CELL_HINT = ("（这个单元格是数字格式：Excel 会改掉 15 位以后的数字。请把这一列设为「文本」格式，"
                    "或在号码前加英文单引号 ' 后重新填写）")


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
    notes.append(["已在本院档案中的一线人员也可以列在「一线人员」表中：不会重复登记，「家属」表中列出的新家属会补充到这户。"])
    return FileOut(filename="一线人员档案导入模板.xlsx", content_base64=book.base64())


def _cell(value: Any, name: str) -> Any:
    """A cell's value as the models take it: dates as 2020-02-18, text columns as text (a number
    cell as the digits it shows, 13800138000 rather than 13800138000.0)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None or name in NUMBER_COLUMNS:
        return value
    return str(value)


@dataclass
class Row:
    sheet: str
    number: int
    values: dict[str, Any]
    cells: list[Any]  # as the file holds them, for the error report
    numeric: set[str] = field(default_factory=set)  # columns whose cell Excel held as a number


@dataclass
class Problem:
    sheet: str
    row: int
    label: str
    message: str

    def field_error(self) -> FieldError:
        return FieldError(f"{self.sheet}第{self.row}行{self.label}", self.message)


@dataclass
class Checked:
    """A file read and checked: the households to write (new ones and existing ones with members to
    add) and the problems, each with its row."""

    import_id: str
    rows: dict[str, list[Row]]
    households: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _rows(book: Any, sheet: str, columns: list[tuple[str, str]]) -> tuple[list[str], list[Row]]:
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
        raw = {name: row[i] if i < len(row) else None for name, i in where.items()}
        values = {name: _cell(value, name) for name, value in raw.items()}
        if all(v in (None, "") for v in values.values()):
            continue
        numeric = {name for name, value in raw.items()
                   if isinstance(value, int | float) and not isinstance(value, bool)}
        found.append(Row(sheet, number, {k: v for k, v in values.items() if v not in (None, "")},
                         [raw[name] for name, _ in columns], numeric))
    return header, found


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


_IMPORT_MESSAGES = {
    "missing": "必须填写",
    "date_from_datetime_parsing": "日期格式应为 2020-02-18",
    "date_parsing": "日期格式应为 2020-02-18",
    "date_type": "日期格式应为 2020-02-18",
    "enum": "应为：" + "、".join(DEPLOYMENT_LABELS.values()),
}


def _problems(row: Row, columns: list[tuple[str, str]], model: type[BaseModel],
              exc: ValidationError) -> list[Problem]:
    """Each wrong cell of a row, in Chinese (the request models' own messages, or the import's)."""
    labels = dict(columns)
    found = []
    for error, general in zip(exc.errors(include_url=False), requests.field_errors(model, exc), strict=True):
        name = general.field.split(".")[-1]
        message = _IMPORT_MESSAGES.get(error["type"]) or general.message
        if name in row.numeric and name != "age":
            message += NUMBER_CELL_HINT
        found.append(Problem(row.sheet, row.number, labels.get(name, ""), message))
    return found


def _deterministic_reference(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    data = "".join(ids.ALPHABET[b % 32] for b in digest[:8])
    for check in ids.ALPHABET:
        code = ids.normalize_reference(data + check)
        if code:
            return code
    raise AssertionError("no check character")  # pragma: no cover - one of 32 always fits


def check_file(unit: Any, path: str, body: ImportIn, by: Principal) -> Checked:
    """Read the file and check every row against the models and the hospital's archive."""
    raw, book = _load(body.content_base64)
    _, people = _rows(book, PERSON_SHEET, PERSON_COLUMNS)
    _, members = _rows(book, MEMBER_SHEET, MEMBER_COLUMNS)
    if len(people) + len(members) > MAX_ROWS:
        raise errors.validation_failed([FieldError("content_base64",
                                                   f"每个文件最多 {MAX_ROWS} 行，请分成几个文件导入")])
    if not people and not members:
        raise errors.validation_failed([FieldError("content_base64", "「一线人员」工作表中没有数据")])
    checked = Checked(hashlib.sha256(f"{unit.id}|".encode() + raw).hexdigest()[:20],
                      {PERSON_SHEET: people, MEMBER_SHEET: members})
    at = audit.now_iso()
    households = checked.households
    for row in people:
        values = dict(row.values)
        if "deployment" in values:
            values["deployment"] = _DEPLOYMENT_BY_LABEL.get(str(values["deployment"]), values["deployment"])
        try:
            person = PersonIn.model_validate(values)
        except ValidationError as exc:
            checked.problems += _problems(row, PERSON_COLUMNS, PersonIn, exc)
            continue
        if person.id_number in households:
            checked.problems.append(Problem(PERSON_SHEET, row.number, "身份证号码",
                                            f"与第 {households[person.id_number]['row']} 行重复"))
            continue
        person_id = _deterministic_reference(f"{checked.import_id}|{row.number}")
        existing = _existing(service.id_hash(person.id_number), unit.id, person_id)
        if existing is not None and retention.erased(existing):
            checked.problems.append(Problem(PERSON_SHEET, row.number, "身份证号码",
                                            f"本院档案中的这户个人信息{personal.ERASED_BY_REQUEST}，不能再登记新的信息"))
            continue
        record = existing or service.person_record(person, unit.id, path, person_id, by, at)
        households[person.id_number] = {"row": row.number, "record": record, "members": [],
                                        "existing": existing is not None}
    for row in members:
        values = dict(row.values)
        number = _normalized(str(values.pop("id_number", "")))
        try:
            member = MemberIn.model_validate(values)
        except ValidationError as exc:
            checked.problems += _problems(row, MEMBER_COLUMNS, MemberIn, exc)
            continue
        household = households.get(number) or _archived(number, unit.id, households, row.number)
        if household is None:
            message = "在「一线人员」工作表和本院档案中都找不到这个身份证号码"
            checked.problems.append(Problem(MEMBER_SHEET, row.number, "一线人员身份证号码",
                                            message + (NUMBER_CELL_HINT if "id_number" in row.numeric else "")))
            continue
        if household["existing"]:
            if "known" not in household:
                household["known"] = {(m["name"], m["relation"])
                                      for m in store.household(household["record"]["id"], "MEMBER#")}
            if (member.name, member.relation) in household["known"]:
                continue  # already in the archive: left as it is
        member_id = hashlib.sha256(f"{checked.import_id}|m{row.number}".encode()).hexdigest()[:8].upper()
        household["members"].append({"id": member_id, **member.model_dump(), "created_at": at,
                                     "created_by": by.actor})
    return checked


def _existing(hash_value: str, unit_id: str, person_id: str) -> dict[str, Any] | None:
    """The household already in the hospital's archive with this ID number (not one this very file
    wrote on an earlier attempt, whose id is the row's own)."""
    entry = store.get_id_entry(hash_value, unit_id)
    if entry is None or entry["person_id"] == person_id:
        return None
    return store.get_person(str(entry["person_id"]), consistent=True)


def _normalized(number: str) -> str:
    try:
        return personal.normalize_id_number(number)
    except ValueError:
        return number.upper().replace(" ", "")


def _archived(number: str, unit_id: str, households: dict[str, dict[str, Any]], row: int) -> dict[str, Any] | None:
    """A household of the hospital's archive that the members sheet names without a row of its own in
    the persons sheet (kept with the households, so its other members join it)."""
    existing = _existing(service.id_hash(number), unit_id, "")
    if existing is None or retention.erased(existing):
        return None
    households[number] = {"row": row, "record": existing, "members": [], "existing": True}
    return households[number]


def import_file(unit_id: str, body: ImportIn, by: Principal) -> ImportResult:
    unit, path = service.hospital(unit_id, by)
    checked = check_file(unit, path, body, by)
    if checked.problems:
        raise errors.validation_failed([p.field_error() for p in checked.problems[:MAX_ERRORS]],
                                       f"文件中有 {len(checked.problems)} 处需要修改，整个文件都没有导入。"
                                       "请改正后重新上传。")
    households = [h for h in checked.households.values() if not h["existing"] or h["members"]]
    _write(checked.import_id, households, path, by)
    duplicates: list[str] = []
    for household in households:
        if household["existing"]:
            continue
        found = service.flag_duplicates(household["record"]["id_hash"])
        if household["record"]["id"] in found:
            duplicates.append(household["record"]["id"])
    return ImportResult(import_id=checked.import_id, ok=True, persons=sum(not h["existing"] for h in households),
                        members=sum(len(h["members"]) for h in households), errors=[], duplicates=duplicates,
                        existing=sum(1 for h in checked.households.values() if h["existing"]))


def check(unit_id: str, body: ImportIn, by: Principal) -> ImportCheck:
    """The whole file checked as the import checks it, nothing stored; when it has problems, the
    error report as an xlsx file: each sheet's rows that need changing, with what to change."""
    unit, path = service.hospital(unit_id, by)
    checked = check_file(unit, path, body, by)
    if not checked.problems:
        return ImportCheck(ok=True, errors=[])
    problems = checked.problems[:MAX_ERRORS]
    return ImportCheck(ok=False, errors=[ImportRowError(sheet=p.sheet, row=p.row, field=p.label, message=p.message)
                                         for p in problems],
                       report=FileOut(filename=f"一线人员档案导入错误报告-{unit.name}.xlsx",
                                      content_base64=_report(checked).base64()))


def _report(checked: Checked) -> xlsx.Book:
    book = xlsx.Book()
    summary = book.sheet("需要修改的地方", [xlsx.Column("工作表", 10), xlsx.Column("行号", 6), xlsx.Column("列", 16),
                                          xlsx.Column("问题", 60)])
    summary.extend([p.sheet, p.row, p.label, p.message] for p in checked.problems)
    for sheet, columns in ((PERSON_SHEET, PERSON_COLUMNS), (MEMBER_SHEET, MEMBER_COLUMNS)):
        by_row: dict[int, list[str]] = {}
        for p in checked.problems:
            if p.sheet == sheet:
                by_row.setdefault(p.row, []).append(f"{p.label}：{p.message}" if p.label else p.message)
        if not by_row:
            continue
        rows = book.sheet(sheet, [xlsx.Column("行号", 6), *[xlsx.Column(label, 14) for _, label in columns],
                                  xlsx.Column("问题", 60)])
        for row in checked.rows[sheet]:
            if row.number in by_row:
                rows.append([row.number, *row.cells, "；".join(by_row[row.number])])
    return book


def _write(import_id: str, households: list[dict[str, Any]], path: str, by: Principal) -> None:
    chain = service.chain(path)
    unit_id = chain[-1]
    overhead = len(chain) + 2  # counters, the chunk marker, the audit entry
    chunks: list[list[dict[str, Any]]] = [[]]
    size = overhead
    for household in households:
        need = (1 if household.get("existing") else 4) + len(household["members"])
        if chunks[-1] and size + need > CHUNK_ITEMS:
            chunks.append([])
            size = overhead
        chunks[-1].append(household)
        size += need
    for n, chunk in enumerate(chunks):
        if store.import_chunk_done(import_id, n):
            continue
        ops: list[db.Op] = [store.mark_import_chunk(import_id, n, len(chunk), audit.now_iso())]
        member_count = persons = 0
        for household in chunk:
            if household.get("existing"):
                ops += store.add_members(household["record"]["id"], household["members"])
            else:
                record = {**household["record"], "members": len(household["members"])}
                if household["members"]:
                    record["member_ids"] = {str(m["id"]) for m in household["members"]}
                ops += store.register_person(record)
                ops += [store.register_member(record["id"], member) for member in household["members"]]
                persons += 1
            member_count += len(household["members"])
        ops += store.count(path, {"persons": persons, "members": member_count})
        ops.append(audit.entry(actor=by.actor, action="frontline.import", entity="frontline_import",
                               entity_id=import_id, unit_id=unit_id,
                               after={"chunk": n, "households": persons, "members": member_count,
                                      "existing": len(chunk) - persons}))
        try:
            uow.commit(ops)
        except errors.ProblemError as exc:
            if exc.code == "/problems/chunk-done":
                continue
            raise
