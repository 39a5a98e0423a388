"""Reopening firms: self-registration, job openings, review by the county union before
publication, public listings, and workers' interest (their phone goes to the firm only with consent)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.core import (
    audit,
    auth,
    db,
    demo,
    errors,
    ids,
    labels,
    outbox,
    pagination,
    personal,
    refs,
    retention,
    roles,
    templates,
    times,
    uow,
)
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.orgs import service as orgs
from chalicelib.orgs.models import UnitKind
from chalicelib.recruitment import store
from chalicelib.recruitment.models import (
    INDUSTRY_LABELS,
    SHIFT_LABELS,
    Contact,
    Decision,
    FirmDetail,
    FirmIn,
    FirmReview,
    FirmReviewPage,
    Industry,
    Interested,
    InterestedList,
    InterestIn,
    Opening,
    OpeningDetail,
    OpeningIn,
    OpeningPage,
    OpeningReview,
    OpeningReviewPage,
    RecruitmentChange,
    ReviewIn,
    Shift,
    Submitted,
)

ACT, READ = roles.CASEWORK, roles.CASEWORK_READ
STATUS_LABELS = labels.OPENING_STATUS_LABELS
ACTION_LABELS = labels.RECRUITMENT_ACTION_LABELS
_COUNTY_KINDS = {UnitKind.county_union, UnitKind.zone_union}
CONSENT_PURPOSE = "recruitment"


def _county(unit_id: str, field: str) -> tuple[str, str, str]:
    """(id, name, path) of a county-level union; a field error otherwise."""
    try:
        unit = orgs.get_unit(unit_id)
    except errors.ProblemError as exc:
        if exc.status >= 500:  # an outage is not a missing record
            raise
        unit = None
    if unit is None or unit.kind not in _COUNTY_KINDS:
        raise errors.validation_failed([FieldError(field, "所在县市区不是可选的值")])
    return unit.id, unit.name, orgs.unit_path(unit.id)


def _salary(record: dict[str, Any]) -> str:
    low, high = record["wage_min"], record["wage_max"]
    return f"{low} 元/月" if low == high else f"{low}–{high} 元/月"


def _today() -> str:
    return times.today().isoformat()


def _line(action: str, actor: str, at: str, status: str, reason: str | None = None) -> dict[str, Any]:
    """A history line of a firm or an opening: what changed, who changed it, when, the state it left."""
    line = {"action": action, "actor": actor, "at": at, "status": status}
    return line | {"reason": reason} if reason else line


def _history(key: tuple[str, str]) -> list[RecruitmentChange]:
    """A firm's or an opening's history, oldest first, each line naming who made the change."""
    lines = store.history(key)
    names = orgs.display_names(line["actor"] for line in lines)
    return [RecruitmentChange(action=line["action"], action_label=ACTION_LABELS[line["action"]],
                              actor=line["actor"], actor_name=names.get(line["actor"]), at=line["at"],
                              status=line["status"], status_label=STATUS_LABELS[line["status"]],
                              reason=line.get("reason")) for line in lines]


# --- firms -------------------------------------------------------------------------------------------

def register_firm(body: FirmIn, caller: Principal | None) -> Submitted:
    county, county_name, path = _county(body.county_unit_id, "county_unit_id")
    now = audit.now_iso()
    partner_id = caller.id if caller else None
    actor = caller.actor if caller else "public"

    def build(reference: str) -> list[db.Op]:
        record: dict[str, Any] = {
            "type": "firm", "reference": reference, "name": body.name, "credit_code": body.credit_code,
            "county_unit_id": county, "unit_path": path, "industry": body.industry.value, "address": body.address,
            "contact_name": body.contact_name, "contact_phone": body.contact_phone, "status": "pending",
            "version": 1, "created_at": now, "updated_at": now, "channel": caller.channel if caller else "portal",
            "consent": {"purpose": CONSENT_PURPOSE, "version": body.consent_version, "at": now},
        }
        if body.description:
            record["description"] = body.description
        pk, sk = store.firm_key(reference)
        return [
            *store.register_firm(record, county, now),
            store.record_firm_change(reference, _line("register", actor, now, "pending")),
            *refs.index_ops(reference, "firm", pk, sk, body.contact_phone, now, partner_id),
            audit.entry(actor=actor, action="recruitment.firm.register", entity="firm",
                        entity_id=reference, unit_id=county, after=record),
        ]

    reference = refs.create_with_reference(build)
    return Submitted(reference=reference, status="pending", status_label=STATUS_LABELS["pending"],
                     unit_name=county_name)


def _firm_by_reference(reference: str, phone: str) -> dict[str, Any]:
    kind, record = refs.resolve(reference, phone)
    if kind != "firm":
        raise errors.not_found("未找到该编号，或手机号码与登记时不一致。")
    return record


def firm_status(record: dict[str, Any]) -> dict[str, Any]:
    message = None
    if record["status"] == "rejected":
        message = f"未通过的理由：{record.get('reason', '')}。请修改后重新登记。"
    elif record["status"] == "approved":
        message = "可以用登记编号和联系人手机号码发布招聘岗位。"
    return {"reference": record["reference"], "kind_label": f"招聘单位登记：{record['name']}",
            "status": record["status"], "status_label": STATUS_LABELS[record["status"]],
            "updated_at": record["updated_at"], "message": message,
            "unit_name": orgs.get_unit(record["county_unit_id"]).name}


# --- openings ----------------------------------------------------------------------------------------

def post_opening(body: OpeningIn, caller: Principal | None) -> Submitted:
    firm = _firm_by_reference(body.firm_reference, body.phone)
    if firm["status"] == "rejected":
        raise errors.conflict("单位登记未通过审核，不能发布岗位。请修改后重新登记。", "firm-rejected")
    if body.valid_until.isoformat() < _today():
        raise errors.validation_failed([FieldError("valid_until", "招聘截止日期不能早于今天")])
    if body.valid_until.isoformat() > (times.today() + timedelta(days=366)).isoformat():
        raise errors.validation_failed([FieldError("valid_until", "招聘截止日期最多一年以后")])
    now = audit.now_iso()
    county = firm["county_unit_id"]
    actor = caller.actor if caller else "public"

    def build(reference: str) -> list[db.Op]:
        record: dict[str, Any] = {
            "type": "opening", "reference": reference, "firm_reference": firm["reference"], "firm_name": firm["name"],
            "industry": firm["industry"], "county_unit_id": county, "unit_path": firm["unit_path"],
            "title": body.title, "headcount": body.headcount, "wage_min": body.wage_min, "wage_max": body.wage_max,
            "shift": body.shift.value, "remote": body.remote, "place": body.place,
            "requirements": body.requirements, "valid_until": body.valid_until.isoformat(), "status": "pending",
            "version": 1, "created_at": now, "updated_at": now, "channel": caller.channel if caller else "portal",
        }
        pk, sk = store.opening_key(reference)
        return [
            *store.post_opening(record, county, now),
            store.record_opening_change(reference, _line("post", actor, now, "pending")),
            *refs.index_ops(reference, "opening", pk, sk, firm["contact_phone"], now, caller.id if caller else None),
            audit.entry(actor=actor, action="recruitment.opening.post",
                        entity="opening", entity_id=reference, unit_id=county, after=record),
        ]

    reference = refs.create_with_reference(build)
    return Submitted(reference=reference, status="pending", status_label=STATUS_LABELS["pending"],
                     unit_name=orgs.get_unit(county).name)


def opening_status(record: dict[str, Any]) -> dict[str, Any]:
    message = None
    if record["status"] == "rejected":
        message = f"未通过的理由：{record.get('reason', '')}。请修改后重新发布。"
    return {"reference": record["reference"], "kind_label": f"招聘岗位：{record['title']}",
            "status": record["status"], "status_label": STATUS_LABELS[record["status"]],
            "updated_at": record["updated_at"], "message": message,
            "unit_name": orgs.get_unit(record["county_unit_id"]).name}


def to_opening(record: dict[str, Any]) -> Opening:
    return Opening(
        id=record["reference"], title=record["title"], firm_name=record["firm_name"], industry=record["industry"],
        industry_label=INDUSTRY_LABELS[Industry(record["industry"])], county_unit_id=record["county_unit_id"],
        county=record.get("county_name", ""), place=record["place"], salary=_salary(record),
        wage_min=record["wage_min"], wage_max=record["wage_max"], headcount=record["headcount"],
        shift=record["shift"], shift_label=SHIFT_LABELS[Shift(record["shift"])], remote=record["remote"],
        description=record["requirements"], valid_until=record["valid_until"], published_at=record["published_at"])


def list_openings(county: str | None, industry: str | None, shift: str | None, cursor: str | None,
                  limit: int = 20) -> OpeningPage:
    filters: dict[str, str] = {}
    for name, value, allowed in (("county_unit_id", county, None), ("industry", industry, Industry),
                                 ("shift", shift, Shift)):
        if value is None:
            continue
        if allowed is not None and value not in allowed.__members__:
            raise errors.bad_request("筛选条件不是可选的值。", "county" if name == "county_unit_id" else name)
        if len(value) > 40 or not value.replace("-", "").isalnum():
            raise errors.bad_request("筛选条件不是可选的值。", "county")
        filters[name] = value
    scope = "openings:" + ",".join(f"{k}={v}" for k, v in sorted(filters.items()))
    items, last = store.published_page(pagination.size(limit), pagination.decode_cursor(cursor, scope), filters,
                                       _today())
    return OpeningPage(items=[to_opening(i) for i in items], next_cursor=pagination.encode_cursor(last, scope))


def _published(reference: str) -> dict[str, Any]:
    code = ids.normalize_reference(reference)
    record = store.get(store.opening_key(code)) if code else None
    if record is None or record["status"] != "published" or record["valid_until"] < _today():
        raise errors.not_found("没有这个招聘岗位，或它已经截止。")
    return record


def public_opening(reference: str) -> Opening:
    return to_opening(_published(reference))


def express_interest(reference: str, body: InterestIn, caller: Principal | None) -> Contact:
    """Show the firm's reviewed contact; pass the worker's name and phone on only if they agree. What
    is passed on gets the worker's own reference, which with their phone opens it at /privacy/."""
    opening = _published(reference)
    firm = store.get(store.firm_key(opening["firm_reference"]))
    if firm is None or firm["status"] != "approved" or retention.erased(firm):
        raise errors.not_found("没有这个招聘岗位，或它已经截止。")
    now = audit.now_iso()
    ops = [store.count_contact_view(opening["reference"])]
    interest_reference = None
    if body.share_phone:
        phone_hash = personal.keyed_hash("phone", body.phone)
        earlier = store.get_interest(firm["reference"], opening["reference"], phone_hash)
        new = earlier is None or retention.erased(earlier) or "reference" not in earlier
        interest_reference = ids.new_reference() if new else str(earlier["reference"])  # type: ignore[index]
        ops.append(store.share_interest(firm["reference"], opening["reference"], phone_hash, {
            "reference": interest_reference, "opening_reference": opening["reference"],
            "opening_title": opening["title"], "name": body.name, "phone": body.phone, "at": now,
            "channel": caller.channel if caller else "portal",
            "consent": {"purpose": "share_with_firm", "version": body.consent_version, "at": now}}))
        if new:
            ipk, isk = store.interest_key(firm["reference"], opening["reference"], phone_hash)
            ops += refs.index_ops(interest_reference, "interest", ipk, isk, body.phone, now,
                                  caller.id if caller else None)
    uow.commit(ops)
    fields = {"单位": firm["name"], "联系人": firm["contact_name"], "电话": firm["contact_phone"],
              "您的联系方式": "已转给单位，单位会与您联系" if body.share_phone else "没有转给单位"}
    if interest_reference:
        fields["您的查询编号"] = interest_reference
    return Contact(reference=opening["reference"], label=f"{opening['title']}：单位联系方式", fields=fields,
                   firm_name=firm["name"], contact=f"{firm['contact_name']} {firm['contact_phone']}",
                   contact_name=firm["contact_name"], contact_phone=firm["contact_phone"], shared=body.share_phone,
                   interest_reference=interest_reference)


def interest_status(record: dict[str, Any]) -> dict[str, Any]:
    """What a worker sees of the interest they passed on to a firm."""
    return {"reference": record["reference"], "kind_label": f"求职意向：{record['opening_title']}",
            "status": "shared", "status_label": "已转给招聘单位", "updated_at": record["at"]}


def interested_for_firm(reference: str, phone: str) -> InterestedList:
    """A firm's interested workers (only those who agreed to share), by its reference + contact phone."""
    firm = _firm_by_reference(reference, phone)
    items = [Interested(opening_reference=i["opening_reference"], opening_title=i["opening_title"], name=i["name"],
                        phone=i["phone"], at=i["at"]) for i in store.interests(firm["reference"])
             if not retention.erased(i)]  # a worker who erased what they passed on is no longer listed
    return InterestedList(firm_name=firm["name"], items=items)


# --- review by the county union ------------------------------------------------------------------------

def _in_scope_county(unit_id: str, by: Principal) -> str:
    orgs.scoped_path(unit_id, by)
    return unit_id


def _load(key: tuple[str, str], by: Principal) -> dict[str, Any]:
    record = store.get(key, consistent=True)
    auth.require_in_scope(by, record["unit_path"] if record else None)
    assert record is not None
    return record


def _status_param(status: str | None) -> str:
    status = status or "pending"
    if status not in ("pending", "rejected", "approved"):
        raise errors.bad_request("状态不是可选的值。", "status")
    return status


def to_firm_review(r: dict[str, Any], whole: bool) -> FirmReview:
    r = retention.for_staff(r)
    return FirmReview(
        reference=r["reference"], name=r["name"], credit_code=r["credit_code"],
        industry_label=INDUSTRY_LABELS[Industry(r["industry"])], county_unit_id=r["county_unit_id"],
        address=r["address"], contact_name=r["contact_name"] if whole else personal.mask_name(r["contact_name"]),
        contact_phone=r["contact_phone"] if whole else personal.mask_phone(r["contact_phone"]),
        description=r.get("description"), status=r["status"], status_label=STATUS_LABELS[r["status"]],
        reason=r.get("reason"), created_at=r["created_at"], version=r["version"], demo=demo.marked(r))


def firm_queue(unit_id: str, status: str | None, cursor: str | None, by: Principal) -> FirmReviewPage:
    _in_scope_county(unit_id, by)
    status = _status_param(status)
    scope = f"firmq:{unit_id}:{status}:{by.unit_path}"
    items, last = store.queue_page("FIRMQ", unit_id, status, pagination.size(50),
                                   pagination.decode_cursor(cursor, scope))
    whole = bool(by.roles & set(ACT))
    return FirmReviewPage(items=[to_firm_review(i, whole) for i in items],
                          next_cursor=pagination.encode_cursor(last, scope))


def firm_review(reference: str, by: Principal) -> FirmDetail:
    """One firm's registration as its county's reviewers see it (within the caller's subtree), with
    its history."""
    key = store.firm_key(reference.upper())
    review = to_firm_review(_load(key, by), bool(by.roles & set(ACT)))
    return FirmDetail(**dict(review), history=_history(key))


def review_firm(reference: str, body: ReviewIn, by: Principal) -> FirmReview:
    key = store.firm_key(reference.upper())
    record = _load(key, by)
    if record["status"] != "pending":
        raise errors.conflict("这家单位已经审核过了。", "already-reviewed")
    approved = body.decision == Decision.approve
    status = "approved" if approved else "rejected"
    now = audit.now_iso()
    changes: dict[str, Any] = {"status": status, "reviewed_by": by.id, "reviewed_at": now, "updated_at": now,
                               **store.queue_keys("FIRMQ", record["county_unit_id"], status, record["created_at"],
                                                  record["reference"])}
    if not approved:
        changes["reason"] = body.reason
    extra = [audit.entry(actor=by.actor, action=f"recruitment.firm.{status}", entity="firm",
                         entity_id=record["reference"], unit_id=record["county_unit_id"],
                         before={"status": record["status"]}, after={"status": status, "reason": body.reason})]
    extra.append(store.record_firm_change(record["reference"], _line("approve" if approved else "return", by.actor,
                                                                       now, status, body.reason)))
    if not approved:  # the code may be registered again, corrected
        extra.append(store.release_credit_code(record["credit_code"]))
    extra += _tell_firm(record, "firm_approved" if approved else "firm_returned", body.reason, now)
    decide = store.approve_firm if approved else store.reject_firm
    uow.commit_versioned([decide(record["reference"], changes, body.version), *extra], *key)
    return to_firm_review({**record, **changes, "version": body.version + 1}, True)


def _to_opening_review(r: dict[str, Any], firm_status: str) -> OpeningReview:
    return OpeningReview(
        reference=r["reference"], firm_reference=r["firm_reference"], firm_name=r["firm_name"],
        firm_status=firm_status, title=r["title"], headcount=r["headcount"], salary=_salary(r),
        shift_label=SHIFT_LABELS[Shift(r["shift"])], remote=r["remote"], place=r["place"],
        requirements=r["requirements"], valid_until=r["valid_until"], status=r["status"],
        status_label=STATUS_LABELS[r["status"]], reason=r.get("reason"), created_at=r["created_at"],
        version=r["version"], demo=demo.marked(r))


def opening_queue(unit_id: str, status: str | None, cursor: str | None, by: Principal) -> OpeningReviewPage:
    _in_scope_county(unit_id, by)
    status = status or "pending"
    if status not in ("pending", "rejected"):  # published openings are in the public list
        raise errors.bad_request("状态不是可选的值。", "status")
    scope = f"openingq:{unit_id}:{status}:{by.unit_path}"
    items, last = store.queue_page("OPENINGQ", unit_id, status, pagination.size(50),
                                   pagination.decode_cursor(cursor, scope))
    firms = {i["firm_reference"]: store.get(store.firm_key(i["firm_reference"])) for i in items}
    return OpeningReviewPage(
        items=[_to_opening_review(i, (firms.get(i["firm_reference"]) or {}).get("status", "missing")) for i in items],
        next_cursor=pagination.encode_cursor(last, scope))


def opening_review(reference: str, by: Principal) -> OpeningDetail:
    """One job opening, in whatever state, with its firm's review state and its history (within the
    caller's subtree)."""
    key = store.opening_key(reference.upper())
    record = _load(key, by)
    firm = store.get(store.firm_key(record["firm_reference"])) or {}
    return OpeningDetail(**dict(_to_opening_review(record, firm.get("status", "missing"))), history=_history(key))


def review_opening(reference: str, body: ReviewIn, by: Principal) -> OpeningReview:
    key = store.opening_key(reference.upper())
    record = _load(key, by)
    if record["status"] != "pending":
        raise errors.conflict("这个岗位已经审核过了。", "already-reviewed")
    approved = body.decision == Decision.approve
    now = audit.now_iso()
    status = "published" if approved else "rejected"
    changes: dict[str, Any] = {"status": status, "reviewed_by": by.id, "reviewed_at": now, "updated_at": now}
    extra: list[db.Op] = [audit.entry(actor=by.actor, action=f"recruitment.opening.{status}", entity="opening",
                                      entity_id=record["reference"], unit_id=record["county_unit_id"],
                                      before={"status": record["status"]}, after={"status": status,
                                                                                  "reason": body.reason})]
    if approved:
        county_name = orgs.get_unit(record["county_unit_id"]).name
        changes |= {"published_at": now, "county_name": county_name,
                    "GSI1PK": store.published_keys(now, record["reference"])["GSI1PK"],
                    "GSI1SK": store.published_keys(now, record["reference"])["GSI1SK"]}
        extra.append(store.require_approved_firm(record["firm_reference"]))
    else:
        changes |= {"reason": body.reason, **store.queue_keys("OPENINGQ", record["county_unit_id"], "rejected",
                                                               record["created_at"], record["reference"])}
    extra.append(store.record_opening_change(record["reference"], _line("publish" if approved else "return",
                                                                        by.actor, now, status, body.reason)))
    firm = store.get(store.firm_key(record["firm_reference"])) or {}
    extra += _tell_firm(firm, "opening_approved" if approved else "opening_returned", body.reason, now,
                        opening=record)
    decide = store.publish_opening if approved else store.reject_opening
    uow.commit_versioned([decide(record["reference"], changes, body.version), *extra], *key)
    return _to_opening_review({**record, **changes, "version": body.version + 1}, firm.get("status", "missing"))


def _tell_firm(firm: dict[str, Any], template_id: str, reason: str | None, now: str,
               opening: dict[str, Any] | None = None) -> list[db.Op]:
    """The review's text message to the firm's contact phone (as registered), with the reason when
    it is returned; an opening's message names the opening."""
    if not firm.get("contact_phone") or retention.erased(firm):
        return []
    record = opening or firm
    params = {"ref": record["reference"]}
    if opening:
        title = str(opening["title"])
        params["title"] = title if len(title) <= templates.PARAM_MAX else title[: templates.PARAM_MAX - 1] + "…"
    if "reason" in templates.TEMPLATES[template_id].params:
        params["reason"] = templates.shorten(reason or "")
    return [outbox.to_phone_with_words(template_id, firm["contact_phone"], params,
                                       outbox.about("opening" if opening else "firm", record["reference"]),
                                       field="reason", now=now)]


def _record_for_messages(kind: str, reference: str, by: Principal) -> dict[str, Any]:
    key = store.firm_key(reference.upper()) if kind == "firm" else store.opening_key(reference.upper())
    return _load(key, by)


def messages(kind: str, reference: str, by: Principal) -> outbox.MessageHistory:
    """The text messages sent to the firm's contact phone about its registration (`kind` "firm") or
    one of its openings ("opening"), with their delivery state (phones masked)."""
    record = _record_for_messages(kind, reference, by)
    return outbox.history(outbox.about(kind, record["reference"]))


def resend_message(kind: str, reference: str, message_id: str, by: Principal) -> outbox.SentMessage:
    """Send one of a firm's or an opening's messages again (audited)."""
    record = _record_for_messages(kind, reference, by)
    return outbox.resend(outbox.about(kind, record["reference"]), message_id, actor=by.actor, entity=kind,
                         entity_id=record["reference"], unit_id=record["county_unit_id"])


def firm_for_staff(reference: str, by: Principal) -> dict[str, Any]:
    return _load(store.firm_key(reference.upper()), by)


def interested_rows(firm: dict[str, Any]) -> list[dict[str, Any]]:
    return store.interests(firm["reference"])
