"""Weekly food packages for frontline families (notice part 3.3): the campaign as configuration,
standing sign-ups with pause and resume, rosters per campaign week charged to the special fund,
supplier lists and delivery confirmations."""

from __future__ import annotations

import contextvars
import os
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from chalicelib.core import audit, db, demo, errors, ids, labels, personal, retention, roles, times, uow, xlsx
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.core.logs import logger
from chalicelib.core.times import today
from chalicelib.delivery import store
from chalicelib.delivery.models import (
    PACKAGE_CEILING_FEN,
    WINDOW_LABELS,
    Action,
    Campaign,
    CampaignIn,
    CampaignList,
    ConfirmIn,
    FamilySignup,
    FileOut,
    GenerateResult,
    Package,
    PauseIn,
    RosterPage,
    SignupIn,
    SignupOut,
    StaffPauseIn,
    StaffSignupIn,
)
from chalicelib.frontline import service as frontline
from chalicelib.fund import service as fund
from chalicelib.orgs import service as orgs

STAFF, READ = roles.CASEWORK, roles.CASEWORK_AND_FINANCE_READ
FAMILY_READ = roles.CASEWORK_READ  # a household's own packages: as the frontline archive, not finance
CONTACT = roles.CONTACT_PERSON
SIGNUP_LABELS = labels.SIGNUP_LABELS
PACKAGE_LABELS = labels.PACKAGE_LABELS
FUND_CATEGORY = "food_package"


def week_of(campaign: dict[str, Any], day: date) -> int | None:
    """Campaign weeks count from the start date: week 1 is start .. start + 6 days."""
    start = date.fromisoformat(campaign["start_date"])
    end = date.fromisoformat(campaign["end_date"]) if campaign.get("end_date") else None
    if day < start or (end is not None and day > end):
        return None
    return (day - start).days // 7 + 1


def week_start(campaign: dict[str, Any], week: int) -> date:
    return date.fromisoformat(campaign["start_date"]) + timedelta(days=7 * (week - 1))


def week_anchor() -> date:
    """The first day of the city's week 1 (Beijing time): the notice's start date unless configured."""
    return date.fromisoformat(os.environ.get("WS_FOOD_WEEK_ANCHOR") or "2020-02-18")


def served_week(campaign: dict[str, Any], week: int) -> str:
    """The city week a campaign week's package counts in, named by its first day: the seven days
    from the anchor (a whole number of weeks on) that hold the campaign week's first day. Campaigns
    with other start dates map their weeks onto the same city weeks, one campaign week to one city
    week, so "one package per family per week" holds across campaigns."""
    anchor = week_anchor()
    first = week_start(campaign, week)
    return (anchor + timedelta(days=7 * ((first - anchor).days // 7))).isoformat()


def to_campaign(item: dict[str, Any]) -> Campaign:
    return Campaign(**{k: item.get(k) for k in Campaign.model_fields if k != "current_week"},
                    current_week=week_of(item, today()))


# --- campaign configuration (the city federation) -----------------------------------------------------

def save_campaign(campaign_id: str, body: CampaignIn, by: Principal) -> Campaign:
    try:
        orgs.get_unit(body.funded_by)
    except errors.ProblemError as exc:
        if exc.status >= 500:  # an outage is not a missing record
            raise
        raise errors.validation_failed([FieldError("funded_by", "出资单位不存在")]) from None
    record: dict[str, Any] = {
        "id": campaign_id, "name": body.name, "start_date": body.start_date.isoformat(),
        "end_date": body.end_date.isoformat() if body.end_date else None, "cap_fen": body.cap_fen,
        "price_fen": body.price_fen, "funded_by": body.funded_by, "default_supplier": body.default_supplier,
        "suppliers": [s.model_dump() for s in body.suppliers], "updated_at": audit.now_iso(), "updated_by": by.actor,
    }
    current = store.get_campaign(campaign_id)
    # Set up once: among campaigns starting the same day, sign-ups go to the one set up last.
    record["created_at"] = (current.get("created_at") or current["updated_at"]) if current else record["updated_at"]
    entry = audit.entry(actor=by.actor, action="delivery.campaign", entity="campaign", entity_id=campaign_id,
                        unit_id=by.unit_id, before=current, after=record)
    if current is None:
        if body.version is not None:
            raise errors.version_conflict()
        record["version"] = 1
        uow.commit([store.create_campaign(record), entry])
    else:
        if body.version != current["version"]:
            raise errors.version_conflict()
        record["version"] = current["version"] + 1
        uow.commit([store.replace_campaign(record, current["version"]), entry])
    return to_campaign(record)


def create_campaign(body: CampaignIn, by: Principal) -> Campaign:
    """A new campaign under a generated id (its name is what people read)."""
    if body.version is not None:
        raise errors.validation_failed([FieldError("version", "新建活动时不填版本号")])
    return save_campaign(ids.new_reference().lower(), body, by)


def list_campaigns() -> CampaignList:
    return CampaignList(items=[to_campaign(i) for i in store.campaigns()])


def campaign(campaign_id: str) -> dict[str, Any]:
    item = store.get_campaign(campaign_id) if len(campaign_id) <= 40 else None
    if item is None:
        raise errors.not_found("没有这个爱心蔬菜活动。")
    return item


def open_campaign() -> dict[str, Any]:
    """The campaign families sign up for now: begun (or about to) and not ended; of several, the
    one starting last, and of those starting the same day the one set up last."""
    now = today()
    for item in store.campaigns():
        end = item.get("end_date")
        if end is None or date.fromisoformat(end) >= now:
            return item
    raise errors.conflict("目前没有进行中的爱心蔬菜配送活动。", "no-campaign")


# --- sign-ups: standing, renewed each week until paused ----------------------------------------------------

def _signup(family: dict[str, Any], body: SignupIn | StaffSignupIn, actor: str, channel: str) -> SignupOut:
    camp = open_campaign()
    now = audit.now_iso()
    current = store.get_signup(camp["id"], family["family_id"])
    from_week = week_of(camp, today()) or 1  # the daily run adds it to this week's roster
    record: dict[str, Any] = {
        "campaign_id": camp["id"], "family_id": family["family_id"], "unit_id": family["unit_id"],
        "unit_path": family["unit_path"], "county_unit_id": family["county_unit_id"], "status": "active",
        "address": body.address, "window": body.window.value, "phone": family["phone"], "name": family["name"],
        "from_week": current["from_week"] if current else from_week, "channel": channel,
        "created_at": current["created_at"] if current else now, "updated_at": now,
        "version": (current["version"] + 1) if current else 1,
    }
    if body.dietary_notes:
        record["dietary_notes"] = body.dietary_notes
    uow.commit([store.save_signup(record),
                audit.entry(actor=actor, action="delivery.signup", entity="delivery_signup",
                             entity_id=f"{camp['id']}#{family['family_id']}", unit_id=family["unit_id"],
                             before=current, after=record)])
    return to_signup(record)


def to_signup(record: dict[str, Any]) -> SignupOut:
    return SignupOut(reference=record["family_id"], campaign_id=record["campaign_id"], status=record["status"],
                     status_label=SIGNUP_LABELS[record["status"]], window_label=WINDOW_LABELS[record["window"]],
                     from_week=record["from_week"], updated_at=record["updated_at"])


def public_signup(body: SignupIn) -> SignupOut:
    return _signup(frontline.family_by_reference(body.reference, body.phone), body, "public", "portal")


def staff_signup(person_id: str, body: StaffSignupIn, by: Principal) -> SignupOut:
    return _signup(frontline.family_for_staff(person_id, by, write=True), body, by.actor, "workbench")


def _pause(family: dict[str, Any], action: str, actor: str) -> SignupOut:
    camp = open_campaign()
    current = store.get_signup(camp["id"], family["family_id"])
    if current is None:
        raise errors.not_found("这个家庭还没有登记爱心蔬菜配送。")
    status = "paused" if action == "pause" else "active"
    if action not in _actions(current):
        raise errors.conflict("这户家庭的爱心蔬菜配送已经暂停，无需再暂停；需要时请恢复配送。" if action == "pause"
                              else "这户家庭的爱心蔬菜正在配送，无需恢复。", "invalid-transition")
    now = audit.now_iso()
    uow.commit_versioned([
        store.set_signup_status(camp["id"], family["family_id"], status, now, current["version"]),
        audit.entry(actor=actor, action=f"delivery.{action}", entity="delivery_signup",
                    entity_id=f"{camp['id']}#{family['family_id']}", unit_id=family["unit_id"],
                    before={"status": current["status"]}, after={"status": status}),
    ], *store.signup_key(camp["id"], family["family_id"]))
    return to_signup({**current, "status": status, "updated_at": now})


def _actions(signup: dict[str, Any] | None) -> list[Action]:
    """What a sign-up can be told: an active one paused, a paused one resumed."""
    if signup is None:
        return []
    return [Action.pause] if signup["status"] == "active" else [Action.resume]


def family_signup(person_id: str, by: Principal) -> FamilySignup:
    """The family's sign-up for the open campaign and what can be done with it now (the family card
    offers only those)."""
    family = frontline.family_for_staff(person_id, by)
    try:
        camp = open_campaign()
    except errors.ProblemError as exc:
        if exc.code != "/problems/no-campaign":
            raise
        return FamilySignup(actions=[])
    signup = store.get_signup(camp["id"], family["family_id"])
    return FamilySignup(campaign_id=camp["id"], campaign_name=camp["name"],
                        signup=to_signup(signup) if signup else None, actions=_actions(signup))


def public_pause(body: PauseIn) -> SignupOut:
    return _pause(frontline.family_by_reference(body.reference, body.phone), body.action.value, "public")


def staff_pause(person_id: str, body: StaffPauseIn, by: Principal) -> SignupOut:
    return _pause(frontline.family_for_staff(person_id, by, write=True), body.action.value, by.actor)


def public_status(record: dict[str, Any]) -> dict[str, Any]:
    """What a family sees when it looks up its household code: its food-package sign-up."""
    try:
        camp: dict[str, Any] | None = open_campaign()
    except errors.ProblemError as exc:
        if exc.status >= 500:  # an outage is not a missing record
            raise
        camp = None
    signup = store.get_signup(camp["id"], record["id"]) if camp else None
    if signup is None:
        return {"reference": record["id"], "kind_label": "一线人员家庭", "status": "not_signed_up",
                "status_label": "尚未登记爱心蔬菜配送", "updated_at": record["created_at"],
                "unit_name": orgs.get_unit(record["unit_id"]).name}
    message = None
    week = week_of(camp, today()) if camp else None
    if week and camp:
        package = store.get_package(camp["id"], week, record["id"])
        if package:
            message = f"第 {week} 周的爱心蔬菜：{PACKAGE_LABELS[package['status']]}"
    return {"reference": record["id"], "kind_label": "爱心蔬菜配送", "status": signup["status"],
            "status_label": SIGNUP_LABELS[signup["status"]], "updated_at": signup["updated_at"], "message": message,
            "unit_name": orgs.get_unit(record["unit_id"]).name}


# --- rosters -------------------------------------------------------------------------------------------------

def _price(camp: dict[str, Any], county: str) -> tuple[int, str]:
    for supplier in camp.get("suppliers") or []:
        if supplier["county_unit_id"] == county:
            return int(supplier["price_fen"]), str(supplier["name"])
    return int(camp["price_fen"]), str(camp["default_supplier"])


def _entry_id(camp: dict[str, Any], week: int, signup: dict[str, Any]) -> str:
    return f"package-{camp['id']}-{week}-{signup['family_id']}"


BATCH = 32  # packages per transaction: 3 items each (package, served week, ledger entry) + the draw, inside 100
WORKERS = 4  # batch transactions in flight at once (they share no item)
SETTLE_SECONDS = 3.0  # kept at the end of a run's time for the batches in flight and the settlement
MAX_RUN_SECONDS = 900  # a run without a budget of its own ends within Lambda's longest timeout
HOLD_GRACE_SECONDS = 60  # after a run's end, before another run may settle the hold it left open
Pending = tuple[dict[str, Any], int, str]  # a sign-up without this week's package, its price and supplier


def generate(campaign_id: str, week: int, actor: str, budget_seconds: float | None = None) -> GenerateResult:
    """The week's roster: one package per active sign-up, each at or under the cap, each charged to
    the funding unit's special fund with a ledger entry written with the package. Safe to run again
    or in parallel: packages are put_new and ledger entries are keyed by package, so a package and
    its charge are written together exactly once.

    A family has at most one package per city week across all campaigns (the served-week item in
    the package's transaction): a family another campaign already served that week is skipped, not
    charged, and listed in the result. Those the served-week items show are left out before any
    write, so they never make a batch fail.

    The money is reserved first, once for the whole roster (a fund hold: one conditional decrement,
    never below zero, with the cap check); when the fund cannot cover it all, what it can cover is
    reserved, written, and the run then answers 409 fund-insufficient. Packages then go BATCH to a
    transaction with their entries and a draw on the hold, WORKERS transactions at once; a batch
    refused as a whole (another run wrote one of its packages) is written one by one, each deciding
    for itself. At the end the draws are settled into the fund's totals and the units' package
    counters, and what was reserved but not spent goes back to the balance. A run that ended before
    settling leaves its hold open: the next run of the campaign settles it once its time is up."""
    with demo.of(store.get_campaign(campaign_id)):  # a demo campaign's packages are demo records too
        return _generate(campaign_id, week, actor, budget_seconds)


def _generate(campaign_id: str, week: int, actor: str, budget_seconds: float | None) -> GenerateResult:
    camp = campaign(campaign_id)
    if week < 1:
        raise errors.validation_failed([FieldError("week", "周次从 1 开始")])
    first_day = week_start(camp, week)
    end = date.fromisoformat(camp["end_date"]) if camp.get("end_date") else None
    if (end is not None and first_day > end) or first_day > today() + timedelta(days=7):
        raise errors.validation_failed([FieldError("week", "这一周不在活动期间内，或还太早生成")])
    left = db.time_left()  # the request's own budget, when there is one
    seconds = min(budget_seconds or left, left) if left is not None else budget_seconds
    # no batch starts after this: the batches in flight and the settlement still fit in the time
    deadline = time.monotonic() + seconds - SETTLE_SECONDS if seconds else None
    reconcile(camp)
    city_week = served_week(camp, week)
    signups = [s for s in store.active_signups(campaign_id) if s["from_week"] <= week]
    served_by_unit: dict[str, dict[str, str]] = {}  # unit -> family -> the campaign that served it this city week
    todo: list[Pending] = []
    existing = 0
    skipped: list[str] = []
    for signup in signups:
        unit = signup["unit_id"]
        if unit not in served_by_unit:
            served_by_unit[unit] = {i["family_id"]: i["campaign_id"] for i in store.served_in_unit(city_week, unit)}
            # packages written before served-week items existed are on the campaign's own roster
            served_by_unit[unit].update({p["family_id"]: campaign_id
                                         for p in store.unit_roster(campaign_id, week, unit)})
        by = served_by_unit[unit].get(signup["family_id"])
        if by == campaign_id:
            existing += 1
            continue
        if by is not None:
            skipped.append(signup["family_id"])
            continue
        amount, supplier = _price(camp, signup["county_unit_id"])
        if amount > camp["cap_fen"] or amount > PACKAGE_CEILING_FEN:
            raise errors.conflict("每份价格超过了活动的每份上限或通知规定的每份80元，请先修改活动设置。", "over-cap")
        todo.append((signup, amount, supplier))
    created = amount_total = 0
    done = True
    if todo:
        at = audit.now_iso()
        hold, covered = _reserve(camp, week, todo, actor, at, seconds)
        batches = _batches(covered)
        draws: list[dict[str, Any]] = []
        try:
            outcomes = _write_batches(camp, week, batches, hold, actor, at, deadline, draws)
        finally:
            try:
                _settle(camp, week, hold, draws)
            except errors.ProblemError as exc:
                if exc.status != 503:
                    raise
                # Out of time or contended: the hold stays open, its money held, not lost; the
                # campaign's next run settles it once this run's time is up (reconcile).
                logger().warning("roster hold left open", extra={"hold_id": hold["hold_id"]})
        for batch, batch_outcomes in zip(batches, outcomes, strict=True):
            if batch_outcomes is None or "later" in batch_outcomes:
                done = False
            if batch_outcomes is None:
                continue
            written = [p for p, outcome in zip(batch, batch_outcomes, strict=True) if outcome == "created"]
            created += len(written)
            amount_total += sum(amount for _, amount, _ in written)
            existing += batch_outcomes.count("existing")
            skipped += [p[0]["family_id"] for p, outcome in zip(batch, batch_outcomes, strict=True)
                        if outcome == "skipped"]
        if len(covered) < len(todo) and done:
            raise fund.insufficient(hold["year"])
    return GenerateResult(campaign_id=campaign_id, week=week, served_week=city_week, created=created,
                          existing=existing, total=created + existing, skipped=len(skipped),
                          skipped_families=sorted(skipped), amount_fen=amount_total, done=done)


MAX_BATCH_UNITS = 60  # units (with their ancestors) one batch counts packages for: its settlement fits a transaction


def _batches(todo: list[Pending]) -> list[list[Pending]]:
    """BATCH packages at a time, fewer when they come from too many units (sign-ups come by unit)."""
    batches: list[list[Pending]] = []
    units: set[str] = set()
    for pending in todo:
        chain = {u for u in pending[0]["unit_path"].split("/") if u}
        if not batches or len(batches[-1]) == BATCH or len(units | chain) > MAX_BATCH_UNITS:
            batches.append([])
            units = set()
        batches[-1].append(pending)
        units |= chain
    return batches


def _purpose(camp: dict[str, Any], week: int) -> str:
    return f"roster:{camp['id']}:{week}"


def _reserve(camp: dict[str, Any], week: int, todo: list[Pending], actor: str, at: str,
             budget_seconds: float | None) -> tuple[dict[str, Any], list[Pending]]:
    """Reserve the roster's total from the funding unit's fund, or, when the fund cannot cover it,
    the longest run of packages it can (409 fund-insufficient when not even one)."""
    expires = times.now() + timedelta(seconds=(budget_seconds or MAX_RUN_SECONDS) + HOLD_GRACE_SECONDS)
    year = times.local_date(at).year
    covered = todo
    for _attempt in range(5):  # another spend may take money between the read and the reservation
        total = sum(amount for _, amount, _ in covered)
        if not covered:
            break
        ops, hold = fund.reserve_ops(unit_id=camp["funded_by"], category=FUND_CATEGORY, amount_fen=total,
                                     hold_id=ids.new_reference(), purpose=_purpose(camp, week), actor=actor, at=at,
                                     expires_at=expires.isoformat(timespec="seconds").replace("+00:00", "Z"))
        cap = store.within_cap(camp["id"], max(amount for _, amount, _ in covered), PACKAGE_CEILING_FEN)
        try:
            uow.commit([*ops, cap])
            return hold, covered
        except errors.ProblemError as exc:
            if exc.code != "/problems/fund-insufficient":
                raise
        available, covered = fund.available_fen(camp["funded_by"], year), []
        for pending in todo:
            if pending[1] > available:
                break
            available -= pending[1]
            covered.append(pending)
    raise fund.insufficient(year)


def _write_batches(camp: dict[str, Any], week: int, batches: list[list[Pending]], hold: dict[str, Any],
                   actor: str, at: str, deadline: float | None,
                   draws: list[dict[str, Any]]) -> list[list[str] | None]:
    """Each batch's outcomes (None for a batch left for a later run when the time ran out; "later"
    for packages still contended after their retries), WORKERS at once; the draws written are added
    to `draws` as they are, for the settlement."""
    db.table()  # the shared client, built before the threads use it

    def write(n: int) -> list[str] | None:
        if deadline is not None and time.monotonic() > deadline:
            return None
        batch = batches[n]
        if len(batch) > 1:
            draw = _write_batch(camp, week, batch, hold, f"{n:05d}", actor, at)
            if draw is not None:
                draws.append(draw)
                return ["created"] * len(batch)
        outcomes: list[str] = []
        for i, pending in enumerate(batch):
            try:
                outcome, draw = _write_package(camp, week, pending, hold, f"{n:05d}-{i:02d}", actor, at)
            except errors.ProblemError as exc:
                if exc.status != 503:
                    raise
                return [*outcomes, *["later"] * (len(batch) - i)]  # still contended: for the next run
            if draw is not None:
                draws.append(draw)
            outcomes.append(outcome)
        return outcomes

    if len(batches) <= 1:
        return [write(n) for n in range(len(batches))]
    # In a random order, so that runs in parallel mostly write different batches instead of refusing
    # each other's; each task in a copy of this context (the unit of work).
    order = random.sample(range(len(batches)), len(batches))
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {n: pool.submit(contextvars.copy_context().run, write, n) for n in order}
        return [futures[n].result() for n in range(len(batches))]


def _package_ops(camp: dict[str, Any], week: int, pending: Pending, at: str) -> list[db.Op]:
    signup, amount, supplier = pending
    record = {"campaign_id": camp["id"], "week": week, "family_id": signup["family_id"],
              "unit_id": signup["unit_id"], "unit_path": signup["unit_path"],
              "county_unit_id": signup["county_unit_id"], "name": signup["name"], "phone": signup["phone"],
              "address": signup["address"], "window": signup["window"], "amount_fen": amount, "supplier": supplier,
              "status": "pending", "created_at": at, "version": 1}
    if signup.get("dietary_notes"):
        record["dietary_notes"] = signup["dietary_notes"]
    return store.issue_package(record, served_week(camp, week))


def _draw_ops(camp: dict[str, Any], week: int, batch: list[Pending], hold: dict[str, Any], n: str,
              actor: str, at: str) -> tuple[list[db.Op], dict[str, Any]]:
    """The packages of a batch with their ledger entries and their draw on the hold (its tally: the
    packages per unit path, for the counters)."""
    tally = Counter(signup["unit_path"] for signup, _, _ in batch)
    charges, draw = fund.draw_ops(hold, n, [(_entry_id(camp, week, signup), amount, supplier, signup["family_id"])
                                            for signup, amount, supplier in batch], actor, dict(tally))
    return [*(op for p in batch for op in _package_ops(camp, week, p, at)), *charges], draw


def _write_batch(camp: dict[str, Any], week: int, batch: list[Pending], hold: dict[str, Any], n: str,
                 actor: str, at: str) -> dict[str, Any] | None:
    """The draw when one transaction wrote every package of the batch with its entry; None when it
    was refused as a whole (nothing written), for the caller to write them one by one."""
    ops, draw = _draw_ops(camp, week, batch, hold, n, actor, at)
    try:
        uow.commit(ops)
    except errors.ProblemError:
        return None
    return draw


def _write_package(camp: dict[str, Any], week: int, pending: Pending, hold: dict[str, Any], n: str,
                   actor: str, at: str) -> tuple[str, dict[str, Any] | None]:
    """("created", its draw) when this call wrote the package; "existing" when another run of this
    campaign already had; "skipped" when another campaign served the family this city week (nothing
    charged)."""
    ops, draw = _draw_ops(camp, week, [pending], hold, n, actor, at)
    for attempt in range(8):
        try:
            uow.commit(ops)
            return "created", draw
        except errors.ProblemError as exc:
            if exc.code in ("/problems/package-exists", "/problems/entry-exists"):
                return "existing", None
            if exc.code == "/problems/served-this-week":
                return "skipped", None
            if exc.status != 503 or attempt == 7:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise errors.unavailable()  # pragma: no cover - the last attempt raises above


def _settle(camp: dict[str, Any], week: int, hold: dict[str, Any], draws: list[dict[str, Any]]) -> None:
    """Settle the draws into the fund's totals and the units' package counters, as many to a
    transaction as fit, the last one closing the hold (what was not drawn goes back to the balance).
    Each transaction holds only if the hold is as this run left it, so two runs never settle one."""
    hold = dict(hold)
    remaining = sorted(draws, key=lambda d: str(d["n"]))
    while True:
        chunk: list[dict[str, Any]] = []
        ops = _settle_ops(camp["id"], week, hold, chunk, close=not remaining)
        while remaining:
            candidate = _settle_ops(camp["id"], week, hold, [*chunk, remaining[0]], close=len(remaining) == 1)
            if len(candidate) > db.MAX_TRANSACTION_ITEMS and chunk:
                break
            chunk.append(remaining.pop(0))
            ops = candidate
        uow.commit(ops)
        if not remaining:
            return
        hold["settled_fen"] = int(hold["settled_fen"]) + sum(int(d["amount_fen"]) for d in chunk)


def _settle_ops(campaign_id: str, week: int, hold: dict[str, Any], draws: list[dict[str, Any]],
                close: bool) -> list[db.Op]:
    paths = Counter[str]()
    for draw in draws:
        paths.update({path: int(n) for path, n in draw["tally"].items()})
    per_unit = Counter[str]()
    for path, n in paths.items():
        per_unit.update({unit: n for unit in path.split("/") if unit})
    counters = [store.count_packages(unit, campaign_id, week, {"packages": n, "pending": n})
                for unit, n in per_unit.items()]
    return fund.settle_ops(hold, draws, close=close) + counters


def reconcile(camp: dict[str, Any]) -> int:
    """Settle and close the campaign's holds whose runs ended without doing so (their time is up, so
    they write nothing more); returns how many. A hold another run is settling is left to it."""
    closed = 0
    now = times.now().isoformat(timespec="seconds").replace("+00:00", "Z")
    for hold in fund.open_holds(camp["funded_by"]):
        kind, _, rest = str(hold.get("purpose", "")).partition(":")
        campaign_id, _, week = rest.rpartition(":")
        if kind != "roster" or campaign_id != camp["id"] or str(hold["expires_at"]) > now:
            continue
        try:
            _settle(camp, int(week), hold, fund.hold_draws(str(hold["hold_id"])))
        except errors.ProblemError as exc:
            if exc.code != "/problems/hold-changed":
                raise
            continue
        closed += 1
    return closed


def _counter_ops(campaign_id: str, week: int, unit_path: str, deltas: dict[str, int]) -> list[db.Op]:
    """The counters of the package's unit and each of its ancestors."""
    return [store.count_packages(u, campaign_id, week, deltas) for u in unit_path.split("/") if u]


def scheduled_generation() -> list[GenerateResult]:
    """Run daily by the schedule: the current week's roster of every running campaign."""
    results = []
    for item in store.campaigns():
        week = week_of(item, today())
        if week:
            results.append(generate(item["id"], week, "system:schedule"))
    return results


def _in_scope_unit(unit_id: str, by: Principal) -> Any:
    orgs.scoped_path(unit_id, by)
    return orgs.get_unit(unit_id)


def _package_out(item: dict[str, Any], names: dict[str, str] | None = None) -> Package:
    """A package as staff see it; who confirmed it named from `names` (one batch per answer)."""
    item = retention.for_staff(item)
    return Package(id=store.package_id(item["campaign_id"], item["week"], item["family_id"]), week=int(item["week"]),
                   family_id=item["family_id"], unit_id=item["unit_id"], name=personal.mask_name(item["name"]),
                   phone=personal.mask_phone(item["phone"]), address=item["address"],
                   window_label=WINDOW_LABELS[item["window"]], dietary_notes=item.get("dietary_notes"),
                   amount_fen=item["amount_fen"], supplier=item["supplier"], status=item["status"],
                   status_label=PACKAGE_LABELS[item["status"]], confirmed_by=item.get("confirmed_by"),
                   confirmed_by_name=(names or {}).get(item.get("confirmed_by") or ""))


def roster(unit_id: str, campaign_id: str, week: int, cursor: str | None, by: Principal) -> RosterPage:
    """The week's packages of the unit and the units under it (one Query per unit of the page)."""
    _in_scope_unit(unit_id, by)
    campaign(campaign_id)
    page = orgs.subtree(unit_id, cursor)
    found = [p for unit in page.items for p in store.unit_roster(campaign_id, week, unit.id)]
    names = orgs.display_names(p.get("confirmed_by") for p in found)
    return RosterPage(items=[_package_out(p, names) for p in found], next_cursor=page.next_cursor)


SUPPLIER_COLUMNS = [xlsx.Column(h, w) for h, w in (
    ("序号", 6), ("收件人", 10), ("手机号码", 14), ("配送地址", 36), ("配送时段", 16), ("饮食备注", 24), ("供应商", 20),
    ("签收", 10))]


def supplier_list(unit_id: str, campaign_id: str, week: int, by: Principal) -> FileOut:
    """The delivery list for a county's supplier: only what delivery needs (masked name, phone,
    address, time window, dietary notes), one row per package."""
    unit = _in_scope_unit(unit_id, by)
    campaign(campaign_id)
    book = xlsx.Book()
    sheet = book.sheet(f"第{week}周配送单", SUPPLIER_COLUMNS)
    cursor = None
    while True:
        page = orgs.subtree(unit.id, cursor)
        for sub in page.items:
            for p in map(retention.for_staff, store.unit_roster(campaign_id, week, sub.id)):
                sheet.append([sheet.rows + 1, personal.mask_name(p["name"]), p["phone"], p["address"],
                              WINDOW_LABELS[p["window"]], p.get("dietary_notes", ""), p["supplier"], ""])
        cursor = page.next_cursor
        if not cursor:
            break
    return FileOut(filename=xlsx.filename("爱心蔬菜配送单", unit.name, f"第{week}周"), content_base64=book.base64())


def confirm(package_ref: str, body: ConfirmIn, by: Principal) -> Package:
    """A contact person (or the unit's staff) records how the delivery went; delivered is final."""
    parts = package_ref.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise errors.not_found()
    campaign_id, week, family_id = parts[0], int(parts[1]), parts[2]
    # 404 unless the caller's family or in scope; an erased family's package may still be confirmed
    frontline.family_for_staff(family_id, by, write=True, erased_ok=True)
    item = store.get_package(campaign_id, week, family_id)
    if item is None:
        raise errors.not_found()
    if item["status"] == "delivered":
        raise errors.conflict("这份爱心蔬菜已确认送达，不能再更改。", "already-delivered")
    changes: dict[str, Any] = {"status": body.outcome.value, "confirmed_by": by.id, "confirmed_at": audit.now_iso()}
    if body.note:
        changes["note"] = body.note
    moved = {item["status"]: -1, body.outcome.value: 1} if item["status"] != body.outcome.value else {}
    counters = _counter_ops(campaign_id, week, item["unit_path"], moved) if moved else []
    entry = audit.entry(actor=by.actor, action="delivery.confirm", entity="delivery_package", entity_id=package_ref,
                        unit_id=item["unit_id"], before={"status": item["status"]},
                        after={"status": body.outcome.value})
    with demo.of(item):  # a demo package's outcome counts nowhere either
        uow.commit_versioned([store.confirm_delivery(campaign_id, week, family_id, changes, item["version"]),
                              *counters, entry], *store.package_key(campaign_id, week, family_id))
    return _package_out({**item, **changes, "version": item["version"] + 1}, orgs.display_names([by.id]))


def family_packages(person_id: str, campaign_id: str, by: Principal) -> RosterPage:
    """The packages of one family so far (its contact person's view), newest week first."""
    family = frontline.family_for_staff(person_id, by)
    camp = campaign(campaign_id)
    last = week_of(camp, today()) or 0
    items = []
    for week in range(last + 1, max(0, last - 12), -1):  # the last twelve weeks and the next one
        found = store.get_package(campaign_id, week, family["family_id"])
        if found:
            items.append(found)
    names = orgs.display_names(p.get("confirmed_by") for p in items)
    return RosterPage(items=[_package_out(p, names) for p in items])


def campaign_records() -> list[dict[str, Any]]:
    """The campaigns as stored, latest first (recuperation asks which one has ended)."""
    return store.campaigns()


RECENT_WEEKS = 3  # weeks a contact person's family card shows, with the next one


def recent_packages(family_ids: list[str]) -> tuple[dict[str, Any] | None, dict[str, list[dict[str, Any]]]]:
    """The campaign under way (else the latest) and each family's packages of its last few weeks and
    the next, newest first: for the contact person's family cards, in a few batched reads."""
    items = store.campaigns()
    running = [c for c in items if week_of(c, today())]
    if not items:
        return None, {}
    camp = (running or items)[0]
    last = week_of(camp, today()) or 0
    weeks = [w for w in range(last + 1, last - RECENT_WEEKS, -1) if w >= 1]
    found: dict[str, list[dict[str, Any]]] = {}
    for item in sorted(store.packages_of(camp["id"], weeks, family_ids), key=lambda i: -int(i["week"])):
        found.setdefault(str(item["family_id"]), []).append({**_package_out(item).model_dump(), "week": item["week"]})
    return {"id": camp["id"], "name": camp["name"], "current_week": week_of(camp, today())}, found
