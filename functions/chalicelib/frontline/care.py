"""Care measures that lean on other domains: support requests raised by a contact person on a
family's behalf (notice part 3.2, 3.4), and major-illness and accident cover with its claims
(part 3.6), each claim a support request linked by its reference."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.core import audit, db, demo, errors, labels, pagination, retention, uow, xlsx
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.core.times import shanghai_text
from chalicelib.frontline import service, store
from chalicelib.frontline.models import (
    Claim,
    ClaimIn,
    CoverIn,
    CoverOut,
    CoverPage,
    FileOut,
    LogIn,
    LogKind,
    OnBehalfIn,
    SupportRaised,
)
from chalicelib.support import service as support
from chalicelib.support.models import ContactRecordedIn, Frontline

COVER_LABELS = labels.COVER_LABELS


def _submit(item: dict[str, Any], category: str, description: str, name: str, relation: str, phone: str,
            county: str | None, linked: Callable[[str], list[db.Op]]) -> Any:
    """A support request through the support domain's intake, with `linked(reference)`, the
    family's own records of it, in the same transaction."""
    county = county or service.county_of(item["unit_path"])
    if county is None:
        raise errors.validation_failed([FieldError("county_unit_id", "请选择家庭所在的县市区")])
    try:
        body = ContactRecordedIn(category=category, description=description, name=name, relation=relation,
                                 phone=phone, county_unit_id=county, unit_id=item["unit_id"],
                                 frontline=Frontline.family)
    except ValueError as exc:
        raise errors.validation_failed([FieldError("category", "不是可选的类别")]) from exc
    return support.submit(body, None, linked)


def raise_support(person_id: str, body: OnBehalfIn, by: Principal) -> SupportRaised:
    """A support request for the family, through the support domain's intake; the contact log
    records it with the reference so the family's history shows it."""
    item = service.load(person_id, by, write=True)

    def log(reference: str) -> list[db.Op]:
        entry = LogIn(kind=LogKind.phone, notes=f"代为提交求助（{reference}）", needs=body.description)
        return service.log_ops(item, entry, by, support_reference=reference)[1]

    created = _submit(item, body.category, body.description, body.name, body.relation, body.phone,
                      body.county_unit_id, log)
    return SupportRaised(reference=created.reference, status_label=created.status_label, unit_name=created.unit_name)


# --- cover -----------------------------------------------------------------------------------------------

def _insured(item: dict[str, Any], who: str) -> tuple[str, str]:
    if who == "SELF":
        return item["name"], "本人"
    for member in store.household(item["id"], "MEMBER#"):
        if member["id"] == who:
            return str(member["name"]), str(member["relation"])
    raise errors.validation_failed([FieldError("who", "没有这位家属")])


def enrol(person_id: str, body: CoverIn, by: Principal) -> CoverOut:
    item = service.load(person_id, by, write=True)
    if not (by.roles & set(service.WRITE) and by.covers(item["unit_path"])):
        raise errors.not_found()
    name, relation = _insured(item, body.who)
    record = {"person_id": item["id"], "who": body.who, "name": name, "relation": relation,
              "kinds": sorted(set(body.kinds)), "enrolled_at": audit.now_iso(), "unit_id": item["unit_id"]}
    with demo.of(item):  # a demo family's enrolment is demo data too
        uow.commit([
            store.enrol_cover(item["id"], item["unit_id"], body.who, record),
            audit.entry(actor=by.actor, action="frontline.cover", entity="frontline", entity_id=item["id"],
                        unit_id=item["unit_id"], after={"who": body.who, "kinds": record["kinds"]}),
        ])
    return _cover_out({**record, "demo": demo.marked(item)})


def _cover_out(record: dict[str, Any]) -> CoverOut:
    return CoverOut(**{k: record[k] for k in CoverOut.model_fields if k in record})


def unit_cover(unit_id: str, cursor: str | None, by: Principal) -> CoverPage:
    service.scoped_unit(unit_id, by)
    scope = f"cover:{unit_id}:{by.unit_path}"
    items, last = store.unit_cover(unit_id, pagination.size(100), pagination.decode_cursor(cursor, scope))
    shown = map(retention.for_staff, items)
    return CoverPage(items=[_cover_out(i) for i in shown],
                     next_cursor=pagination.encode_cursor(last, scope))


DEMO_NOTE = "示例数据，不是真实参保人"


def insurer_list(unit_id: str, by: Principal) -> FileOut:
    """The unit's enrolments for the insurer: who is covered for what, with the masked ID number
    (the full number is never stored; the insurer checks it against the policy holder's list).
    A row of the demo data set says so in its note."""
    unit, _ = service.scoped_unit(unit_id, by)
    book = xlsx.Book()
    sheet = book.sheet("参保名单", [xlsx.Column(h, w) for h, w in (
        ("序号", 6), ("单位", 20), ("一线人员", 10), ("身份证号码（隐去）", 20), ("参保人", 10), ("关系", 8),
        ("保障项目", 20), ("登记时间（北京时间）", 18), ("备注", 18))])
    start, n = None, 0
    while True:
        items, start = store.unit_cover(unit.id, 100, start)
        for cover in map(retention.for_staff, items):
            person = retention.for_staff(store.get_person(cover["person_id"]) or {})
            n += 1
            sheet.append([n, unit.name, person.get("name", ""), person.get("id_masked", ""), cover["name"],
                          cover["relation"], "、".join(COVER_LABELS[k] for k in cover["kinds"]),
                          shanghai_text(cover["enrolled_at"]), DEMO_NOTE if demo.marked(cover) else ""])
        if not start:
            break
    return FileOut(filename=xlsx.filename("参保名单", unit.name), content_base64=book.base64())


def claim(person_id: str, body: ClaimIn, by: Principal) -> Claim:
    item = service.load(person_id, by, write=True)
    cover = store.get_cover(item["id"], body.who)
    if cover is None or body.kind not in cover["kinds"]:
        raise errors.validation_failed([FieldError("kind", "这位参保人没有登记这项保障")])
    name, relation = _insured(item, body.who)
    at = audit.now_iso()

    def claim_ops(reference: str) -> list[db.Op]:
        return [
            store.record_claim(item["id"], reference, {"who": body.who, "kind": body.kind, "at": at}),
            audit.entry(actor=by.actor, action="frontline.claim", entity="frontline", entity_id=item["id"],
                        unit_id=item["unit_id"], after={"reference": reference, "kind": body.kind}),
        ]

    created = _submit(item, "medical_subsidy", f"【{COVER_LABELS[body.kind]}保障理赔】{body.description}", name,
                      relation, body.phone, None, claim_ops)
    return Claim(reference=created.reference, who=body.who, kind=body.kind, at=at)


def claims(person_id: str, by: Principal) -> list[Claim]:
    item = service.load(person_id, by)
    return [Claim(reference=c["reference"], who=c["who"], kind=c["kind"], at=c["at"])
            for c in store.household(item["id"], "CLAIM#")]
