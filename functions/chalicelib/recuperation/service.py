"""Recuperation for frontline medical staff (notice part 3, measure 5): after the epidemic the city
federation arranges recuperation for outstanding frontline staff, with priority.

Nomination: once a food-package campaign has ended (its end date lies before today, Beijing time),
the staff of a hospital or county union nominate a person of the frontline archive within their
subtree, with the reason. Facts for the priority come from the archive record: the frontline post,
and the days deployed from the archive's start and end dates (with no end date there, the unit
gives the days, or they are counted to the campaign's end). One active nomination per person.
A unit may withdraw its nomination until the person is placed.

Priority (PRIORITY_RULE, deterministic): base score = points of the frontline post (aid team 40;
fever clinic, isolation ward, ICU 30; screening 20; other posts 10) + days deployed (at most 90);
score = base score + the city federation's adjustment (-50 .. 50, with a note). Order: score
descending, then days deployed descending, then earlier nomination, then the archive id.

Placement: the city federation approves or declines, creates batches (booking sessions of kind
`recuperation`, not publicly listed) and places approved nominees, best first, into a batch
through the booking engine. A nominee is booked with a seat only (never a waitlist place) in the
same transaction that marks them placed (approved -> placed, conditional) with the reference, so a
person is placed at most once even by runs at the same time, and a fault leaves neither a booking
nor a mark; the engine never confirms more seats than the capacity.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from chalicelib.booking import service as booking
from chalicelib.booking.models import Kind, SessionIn
from chalicelib.core import audit, auth, db, errors, labels, pagination, personal, roles, times, uow
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.delivery import service as delivery
from chalicelib.frontline import service as frontline
from chalicelib.frontline.models import DEPLOYMENT_LABELS
from chalicelib.orgs import service as orgs
from chalicelib.recuperation import store
from chalicelib.recuperation.models import (
    AdjustIn,
    Batch,
    BatchIn,
    BatchList,
    DecisionIn,
    Nomination,
    NominationIn,
    NominationPage,
    Placed,
    PlaceIn,
    PlacementResult,
    RankingList,
    WithdrawIn,
)

NOMINATE, READ, CITY = roles.CASEWORK, roles.CASEWORK_READ, roles.CITY
STATUS_LABELS = labels.NOMINATION_STATUS_LABELS
ACTIVE = ("nominated", "approved", "placed")
POST_POINTS = {"aid_team": 40, "fever_clinic": 30, "isolation_ward": 30, "icu": 30, "screening": 20, "other": 10}
MAX_DAY_POINTS = 90
PRIORITY_RULE = ("优先分 = 一线岗位分（援助医疗队 40；发热门诊、隔离病区、重症监护 30；筛查检测 20；其他 10）"
                 "+ 一线工作天数（最多计 90）+ 市总工会调整分（-50 至 50）。分数相同时，一线工作天数多的在前，"
                 "再按推荐时间先后。")
PLACE_BUDGET_SECONDS = 10.0
CHANNEL = "recuperation"


# --- priority -----------------------------------------------------------------------------------------

def base_score(deployment: str, days: int) -> int:
    return POST_POINTS.get(deployment, POST_POINTS["other"]) + min(days, MAX_DAY_POINTS)


def score(record: dict[str, Any]) -> int:
    return base_score(record["deployment"], record["days_deployed"]) + int(record.get("adjustment", 0))


def ranked(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: (-score(r), -r["days_deployed"], r["nominated_at"], r["person_id"]))


# --- reading ------------------------------------------------------------------------------------------

def to_nomination(record: dict[str, Any], rank: int | None = None) -> Nomination:
    return Nomination(
        person_id=record["person_id"], unit_id=record["unit_id"], unit_name=record["unit_name"], name=record["name"],
        department=record["department"], role=record["role"], deployment=record["deployment"],
        deployment_label=DEPLOYMENT_LABELS[record["deployment"]], days_deployed=record["days_deployed"],
        days_from_archive=record["days_from_archive"], reason=record["reason"], status=record["status"],
        status_label=STATUS_LABELS[record["status"]],
        base_score=base_score(record["deployment"], record["days_deployed"]),
        adjustment=int(record.get("adjustment", 0)), adjustment_note=record.get("adjustment_note"),
        score=score(record), rank=rank, decision_note=record.get("decision_note"),
        nominated_at=record["nominated_at"], nominated_by=record["nominated_by"], batch_id=record.get("batch_id"),
        batch_title=record.get("batch_title"), batch_starts_at=record.get("batch_starts_at"),
        batch_ends_at=record.get("batch_ends_at"), batch_place=record.get("batch_place"),
        booking_reference=record.get("booking_reference"), placed_at=record.get("placed_at"),
        version=record["version"])


def unit_nominations(unit_id: str, cursor: str | None, by: Principal) -> NominationPage:
    """Nominations made by the unit and the units under it, in tree order, then oldest first."""
    _, path = frontline.scoped_unit(unit_id, by)
    scope = f"recuperation:{path}:{by.unit_path}"
    items, last = store.subtree_page(path, pagination.size(50), pagination.decode_cursor(cursor, scope))
    return NominationPage(items=[to_nomination(i) for i in items], next_cursor=pagination.encode_cursor(last, scope))


def ranking(status: str | None, by: Principal) -> RankingList:
    """The city's nominations in priority order: by default those awaiting a decision or a batch."""
    wanted = ("nominated", "approved") if status is None else (status,)
    if status is not None and status not in STATUS_LABELS:
        raise errors.bad_request("状态不是可选的值。", "status")
    found = [r for r in store.all_under(by.unit_path) if r["status"] in wanted]
    return RankingList(items=[to_nomination(r, i + 1) for i, r in enumerate(ranked(found))], rule=PRIORITY_RULE)


def _for_staff(person_id: str, by: Principal) -> dict[str, Any]:
    """The person's nomination, or 404 alike when missing or made outside the caller's subtree."""
    person = frontline.load(person_id, by)
    record = store.get_nomination(person["id_hash"]) if "id_hash" in person else None  # gone once erased
    auth.require_in_scope(by, record["unit_path"] if record else None)
    assert record is not None
    return record


# --- nominating ---------------------------------------------------------------------------------------

def ended_campaign() -> dict[str, Any]:
    """The latest food-package campaign that has ended: nominations are made after the campaign."""
    today = times.today()
    ended = [c for c in delivery.campaign_records() if c.get("end_date") and date.fromisoformat(c["end_date"]) < today]
    if not ended:
        raise errors.conflict("疫情防控任务结束后才能推荐疗休养人员：请市总工会在“爱心蔬菜配送”页为活动填写结束日期，"
                              "结束日期须早于今天，第二天起即可推荐。", "campaign-not-ended")
    return max(ended, key=lambda c: c["end_date"])


def _days(person: dict[str, Any], given: int | None, campaign: dict[str, Any]) -> tuple[int, bool]:
    start = date.fromisoformat(person["period_start"])
    if person.get("period_end"):
        if given is not None:
            raise errors.validation_failed([FieldError(
                "days_deployed", "档案中已有一线工作结束日期，天数按档案计算，请不要填写")])
        return (date.fromisoformat(person["period_end"]) - start).days + 1, True
    if given is not None:
        return given, False
    end = date.fromisoformat(campaign["end_date"])
    if end < start:
        raise errors.validation_failed([FieldError(
            "days_deployed", "档案中的一线工作开始日期晚于配送活动结束日期，请填写一线工作天数")])
    return (end - start).days + 1, True


def nominate(person_id: str, body: NominationIn, by: Principal) -> Nomination:
    person = frontline.load(person_id, by, write=True)
    if not (by.roles & set(NOMINATE)):
        raise errors.not_found()
    campaign = ended_campaign()
    days, from_archive = _days(person, body.days_deployed, campaign)
    current = store.get_nomination(person["id_hash"])
    if current and current["status"] in ACTIVE:
        if not by.covers(current["unit_path"]):  # nominated by a unit outside the caller's subtree
            raise errors.conflict(personal.REGISTERED_ELSEWHERE, "already-nominated")
        raise store.already_nominated()
    now = audit.now_iso()
    record: dict[str, Any] = {
        "id_hash": person["id_hash"], "person_id": person["id"], "unit_id": person["unit_id"],
        "unit_path": person["unit_path"], "unit_name": orgs.get_unit(person["unit_id"]).name, "name": person["name"],
        "department": person["department"], "role": person["role"], "deployment": person["deployment"],
        "days_deployed": days, "days_from_archive": from_archive, "reason": body.reason, "status": "nominated",
        "adjustment": 0, "campaign_id": campaign["id"], "nominated_at": now, "nominated_by": by.actor,
        "version": (current["version"] + 1) if current else 1,
    }
    uow.commit([
        store.nominate(record),
        audit.entry(actor=by.actor, action="recuperation.nominate", entity="recuperation", entity_id=person["id"],
                    unit_id=person["unit_id"],
                    after={k: v for k, v in record.items() if k not in ("id_hash", "reason")}),
    ])
    return to_nomination(record)


def _change(record: dict[str, Any], changes: dict[str, Any], version: int, action: str, by: Principal,
            allowed: tuple[str, ...], refused: str) -> Nomination:
    if record["status"] not in allowed:
        raise errors.conflict(refused, "nomination-state")
    if record["version"] != version:
        raise errors.version_conflict()
    uow.commit([
        store.change_nomination(record["id_hash"], changes, version, allowed),
        audit.entry(actor=by.actor, action=action, entity="recuperation", entity_id=record["person_id"],
                    unit_id=record["unit_id"], before={k: record.get(k) for k in changes}, after=changes),
    ])
    return to_nomination({**record, **changes, "version": version + 1})


def withdraw(person_id: str, body: WithdrawIn, by: Principal) -> Nomination:
    record = _for_staff(person_id, by)
    return _change(record, {"status": "withdrawn"}, body.version, "recuperation.withdraw", by,
                   ("nominated", "approved"), "只有尚未安排批次的推荐才能撤回。")


# --- the city federation: priority and decision ----------------------------------------------------------

def adjust(person_id: str, body: AdjustIn, by: Principal) -> Nomination:
    record = _for_staff(person_id, by)
    return _change(record, {"adjustment": body.adjustment, "adjustment_note": body.note}, body.version,
                   "recuperation.adjust", by, ("nominated", "approved"), "只有待审核或待安排的推荐才能调整优先分。")


def decide(person_id: str, body: DecisionIn, by: Principal) -> Nomination:
    record = _for_staff(person_id, by)
    if body.decision == "decline" and not body.note:
        raise errors.validation_failed([FieldError("note", "不同意时请写明原因")])
    changes: dict[str, Any] = {"status": "approved" if body.decision == "approve" else "declined",
                               "decided_at": audit.now_iso(), "decided_by": by.actor}
    if body.note:
        changes["decision_note"] = body.note
    return _change(record, changes, body.version, "recuperation.decide", by, ("nominated", "approved", "declined"),
                   "这条推荐已撤回或已安排批次，不能再审核。")


# --- batches ------------------------------------------------------------------------------------------

def _batch_out(session: dict[str, Any]) -> Batch:
    return Batch(id=session["id"], title=session["title"], starts_at=session["starts_at"],
                 ends_at=session["ends_at"], place=session.get("place"), capacity=session["capacity"],
                 placed=session["confirmed"], seats_left=max(0, session["capacity"] - session["confirmed"]),
                 status=session["status"], status_label=booking.SESSION_LABELS[session["status"]],
                 description=session.get("description"))


def create_batch(body: BatchIn, by: Principal) -> Batch:
    if body.ends_at <= times.now():
        raise errors.validation_failed([FieldError("ends_at", "结束时间须晚于现在")])
    try:
        session_in = SessionIn(kind=Kind.recuperation, title=body.title, unit_id=by.unit_id, starts_at=body.starts_at,
                               ends_at=body.ends_at, place=body.place, capacity=body.capacity,
                               description=body.description)
    except ValueError:
        raise errors.validation_failed([FieldError("ends_at", "结束时间须晚于开始时间")]) from None
    session = booking.create_session(session_in, by)
    return _batch_out(booking.get_session(session.id))


def batches(by: Principal) -> BatchList:
    """The batches of the caller's unit (the city federation), latest start first."""
    found: list[dict[str, Any]] = []
    start = None
    while True:
        sessions, start = booking.unit_session_records(by.unit_id, start)
        found += [s for s in sessions if s["kind"] == Kind.recuperation.value]
        if not start:
            break
    return BatchList(items=[_batch_out(s) for s in sorted(found, key=lambda s: s["starts_at"], reverse=True)])


def _batch_for_city(batch_id: str, by: Principal) -> dict[str, Any]:
    session = booking.session_for_staff(batch_id, by)
    if session["kind"] != Kind.recuperation.value:
        raise errors.not_found("没有这个疗休养批次。")
    return session


# --- placement ----------------------------------------------------------------------------------------

def _note(record: dict[str, Any]) -> str:
    """The note on the booking registration: names the nominating unit and the archive id."""
    return f"推荐单位：{record['unit_name']}；档案编号：{record['person_id']}"


def _placed_changes(session: dict[str, Any], reference: str) -> dict[str, Any]:
    return {"status": "placed", "batch_id": session["id"], "booking_reference": reference, "placed_at": audit.now_iso(),
            "batch_title": session["title"], "batch_starts_at": session["starts_at"],
            "batch_ends_at": session["ends_at"], "batch_place": session.get("place")}


def _place_one(record: dict[str, Any], session: dict[str, Any], by: Principal) -> Placed | bool | None:
    """Placed; None when the nominee was placed, withdrawn or changed meanwhile, or another nominee
    with the same phone holds a place in the batch; False when the batch is full or closed."""
    person = frontline.person_item(record["person_id"])
    if person is None:
        return None

    def placed(reference: str) -> list[db.Op]:  # in the booking's own transaction
        changes = _placed_changes(session, reference)
        return [
            store.mark_placed(record["id_hash"], changes, record["version"]),
            audit.entry(actor=by.actor, action="recuperation.place", entity="recuperation",
                        entity_id=record["person_id"], unit_id=record["unit_id"], before={"status": "approved"},
                        after=changes),
        ]

    try:
        registered = booking.register(session["id"], booking.Person(record["name"], person["phone"], _note(record),
                                                                     link=record["person_id"]),
                                      channel=CHANNEL, actor=by.actor, allow_unlisted=True, seats_only=True,
                                      linked=placed)
    except errors.ProblemError as exc:
        if exc.code in ("/problems/session-closed", "/problems/session-full"):
            return False
        if exc.code in ("/problems/nomination-state", "/problems/already-registered"):
            return None
        raise
    return Placed(person_id=record["person_id"], name=record["name"], unit_name=record["unit_name"],
                  booking_reference=registered.reference)


def place(batch_id: str, body: PlaceIn, by: Principal) -> PlacementResult:
    """Approved nominees, best first, into the batch while it has seats (and within the limit)."""
    session = _batch_for_city(batch_id, by)
    if session["status"] != "open":
        raise errors.conflict("这个批次已停止安排，请先重新开放。", "session-closed")
    records = store.all_under(by.unit_path)
    waiting = ranked([r for r in records if r["status"] == "approved"])
    placed: list[Placed] = []
    want = body.limit or session["capacity"]
    deadline = time.monotonic() + PLACE_BUDGET_SECONDS
    for record in waiting:
        session = booking.get_session(batch_id)
        out_of_time = bool(placed) and time.monotonic() > deadline  # each run places at least one
        if len(placed) >= want or session["confirmed"] >= session["capacity"] or out_of_time:
            break
        outcome = _place_one(record, session, by)
        if outcome is False:
            break
        if isinstance(outcome, Placed):
            placed.append(outcome)
    session = booking.get_session(batch_id)
    left = max(0, session["capacity"] - session["confirmed"])
    return PlacementResult(batch_id=batch_id, placed=placed, seats_left=left, waiting=len(waiting) - len(placed))


def placement_cancelled(registration: dict[str, Any]) -> list[db.Op]:
    """A placed nominee's booking cancelled, by the person (reference + phone) or by staff: back to
    awaiting the city's decision (the person may not want to go at all), so no placement run books
    them again until the city approves them again. Written in the cancellation's own transaction
    (booking calls it for batches, registered in app.py); a nominee not placed by this booking is
    left alone."""
    person = frontline.person_item(registration["link"])
    record = store.get_nomination(person["id_hash"]) if person and person.get("id_hash") else None
    if not record or record["status"] != "placed" or record.get("booking_reference") != registration["reference"]:
        return []
    return [
        store.unplace(record["id_hash"], registration["reference"], booking.retry_problem()),
        audit.entry(actor="system:booking", action="recuperation.placement-cancelled", entity="recuperation",
                    entity_id=record["person_id"], unit_id=record["unit_id"],
                    before={"status": "placed", "booking_reference": registration["reference"]},
                    after={"status": "nominated"}),
    ]
