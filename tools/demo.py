"""The demo data set `make run` puts into an empty database, so every page shows something true:
support requests in every state with their history, frontline families with and without a contact
person, a food-package campaign with packages (some delivered), a fair, a course and a shuttle (one
with a waitlist), fund allocations and spends, a published case report, hardship workers with
check-ins and supplies, firms and openings.

Everything is made through the domains' own service functions, as the demo staff would make it,
inside `core.demo.writing()`: every item written carries `demo` (staff pages show it with a 示例数据
badge; names and public titles say 示例 too), and the
counters that roll figures up to the parent union leave it out (core/demo.py). Each staff member
acts within their own unit, so scope and role checks hold as for anyone. The set lies in 泰山区,
where the demo caseworker works.

Seeded once: a marker item records that the set is there, and a database that already holds
anything besides the union tree and the staff accounts is never seeded (`make run ARGS=--no-demo`
starts without it).
"""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.booking import service as booking
from chalicelib.booking.models import Kind, SessionIn
from chalicelib.core import audit, db, demo, times
from chalicelib.core.auth import STAFF, Principal
from chalicelib.delivery import service as delivery
from chalicelib.delivery.models import CampaignIn, ConfirmIn, Outcome, StaffSignupIn, Window
from chalicelib.frontline import care
from chalicelib.frontline import service as frontline
from chalicelib.frontline.models import (
    AssignIn,
    ContactIn,
    ContactKind,
    CoverIn,
    Deployment,
    LogIn,
    LogKind,
    MemberIn,
    PersonIn,
)
from chalicelib.fund import service as fund
from chalicelib.fund.models import AllocationIn, BudgetIn, SpendIn
from chalicelib.hardship import service as hardship
from chalicelib.hardship.models import CheckIn, ImportIn, SupplyIn
from chalicelib.orgs import service as orgs
from chalicelib.recruitment import credit
from chalicelib.recruitment import service as recruitment
from chalicelib.recruitment.models import FirmIn, OpeningIn
from chalicelib.recruitment.models import ReviewIn as FirmReviewIn
from chalicelib.reports import service as reports
from chalicelib.reports.models import PublicationIn, ReportIn, ReviewIn, VersionIn
from chalicelib.support import service as support
from chalicelib.support import work as support_work
from chalicelib.support.models import HotlineIntakeIn, NoteIn, SupportRequestIn, TransitionIn
from tools import seed

MARKER = ("SEED#demo", "SEED#demo")
# What a database holds before anything is done in it: the seed tree and the staff accounts.
SEED_TYPES = frozenset({"unit", "staff", "counsellor", "seed_marker"})
HOSPITAL = "demo-taishan-hospital"


def staff(username: str) -> Principal:
    """A demo staff member as the authorizer would give them (staff.json)."""
    person = next(p for p in seed.load_staff()["staff"] if p["username"] == username)
    return Principal(kind=STAFF, id=username, unit_id=person["unit_id"], unit_path=orgs.unit_path(person["unit_id"]),
                     roles=frozenset(person["roles"]), name=person["name"])


def present() -> bool:
    return db.get(*MARKER) is not None


def is_empty() -> bool:
    """Nothing but the seed tree and staff accounts (a maintenance Scan, stopping at the first other item)."""
    table = db.table()
    start: dict[str, Any] | None = None
    while True:
        kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        page = table.scan(Limit=200, ProjectionExpression="#t", ExpressionAttributeNames={"#t": "type"}, **kwargs)
        if any(item.get("type") not in SEED_TYPES for item in page.get("Items", [])):
            return False
        start = page.get("LastEvaluatedKey")
        if not start:
            return True


def seed_demo() -> str:
    """Seed the demo set where the database is empty; says what it did (for the banner)."""
    if present():
        return "present"
    if not is_empty():
        return "skipped"
    with demo.writing():
        _support()
        families = _frontline()
        _delivery(families)
        _booking()
        masks = _fund()
        _reports()
        _hardship(masks)
        _recruitment()
    try:
        db.table().put_item(Item={"PK": MARKER[0], "SK": MARKER[1], "type": "seed_marker", "at": audit.now_iso()},
                            ConditionExpression="attribute_not_exists(PK)")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    return "seeded"


# --- support requests: one in every state, with its history ---------------------------------------------

REQUESTS: list[tuple[str, str, str, list[tuple[str, dict[str, str]]]]] = [
    ("supplies", "家中老人独居，小区封闭后买不到药和菜，希望有人帮忙代购。", "submitted", []),
    ("psychological", "在隔离病区工作一个多月，晚上睡不着，想找心理咨询师聊聊。", "accepted", []),
    ("wages", "工厂复工推迟，两个月没有工资，想了解能否申请临时救助。", "in_progress",
     [("note", {"text": "已联系企业工会核实停工情况。"})]),
    ("legal", "单位要求复工后先签降薪协议，不知道是否合法。", "callback", []),
    ("hardship", "孩子网课需要电脑，家里困难买不起。", "resolved",
     [("outcome", {"outcome": "已由企业工会借出一台笔记本电脑，学期结束后归还。"})]),
    ("medical_subsidy", "想咨询发热门诊的就诊流程。", "closed",
     [("outcome", {"outcome": "已电话告知就近发热门诊和就诊流程，求助人表示不再需要帮助。"})]),
    ("transport", "询问外地返泰是否需要隔离。", "rejected",
     [("reason", {"reason": "不属于工会受理范围，已告知拨打 12345 政务服务热线咨询。"})]),
]
PATHS = {"submitted": [], "accepted": ["accepted"], "in_progress": ["accepted", "in_progress"],
         "callback": ["accepted", "callback"], "resolved": ["accepted", "in_progress", "resolved"],
         "closed": ["accepted", "in_progress", "closed"], "rejected": ["rejected"]}


def _support() -> None:
    worker, hotline = staff("taishan.caseworker"), staff("city.hotline")
    for n, (category, text, state, extra) in enumerate(REQUESTS):
        fields = {"category": category, "description": text, "name": f"示例求助人{n + 1}",
                  "phone": f"1390538{n:04d}", "county_unit_id": "taishan"}
        if n % 2:
            created = support.hotline_intake(HotlineIntakeIn(**fields, consent=True), hotline)
        else:
            created = support.submit(SupportRequestIn(**fields, consent=True, consent_version="2020-02-v1"), None)
        reference, version = created.reference, 1
        details = dict(extra)
        if "note" in details:
            support_work.add_note(reference, NoteIn(text=details["note"]["text"]), worker)
        for step in PATHS[state]:
            body = {"to": step, "version": version, **details.get("outcome", {}), **details.get("reason", {})}
            version = int(support_work.transition(reference, TransitionIn(**body), worker)["version"])


# --- frontline families, contact persons, visits -----------------------------------------------------------

FAMILIES = [
    ("张示例", "护士", "感染科", Deployment.isolation_ward, [("李示例", "母亲", 72, "高血压，需要按时买药")]),
    ("王示例", "医生", "呼吸科", Deployment.aid_team, [("王小示", "儿子", 9, "网课期间白天无人照看")]),
    ("刘示例", "护士", "急诊科", Deployment.fever_clinic, [("赵示例", "父亲", 80, "行动不便，需要代购生活用品")]),
    ("陈示例", "医生", "重症医学科", Deployment.icu, []),
]


def _id_number(n: int) -> str:
    """A well-formed (checksummed) ID number that belongs to no one: birth year 1900."""
    body = f"37090219000101{n:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _frontline() -> list[str]:
    admin, contact = staff("hospital.admin"), staff("hospital.contact")
    frontline.register_contact(HOSPITAL, ContactIn(username=contact.id, name=contact.name, kind=ContactKind.cadre),
                               admin)
    start = times.today() - timedelta(days=30)
    ids = []
    for n, (name, role, department, deployment, members) in enumerate(FAMILIES):
        person = frontline.create_person(HOSPITAL, PersonIn(
            name=name, id_number=_id_number(n + 1), phone=f"1370538{n:04d}", department=f"{department}（示例）",
            role=role, deployment=deployment, period_start=start), admin)
        for member, relation, age, needs in members:
            frontline.add_member(person.id, MemberIn(name=member, relation=relation, age=age, needs=needs,
                                                     address="泰山区示例小区 3 号楼 2 单元"), admin)
        if n < 2:  # two families with a contact person, two still without
            frontline.assign_contact(person.id, AssignIn(username=contact.id, version=person.version), admin)
            frontline.add_log(person.id, LogIn(kind=LogKind.phone, notes="电话问候，家中老人身体平稳。",
                                               needs="希望每周送一次蔬菜"), contact)
        ids.append(person.id)
    # the first family enrolled in illness and accident cover, the staff member and the mother
    care.enrol(ids[0], CoverIn(who="SELF", kinds=["major_illness", "accident"]), admin)
    mother = frontline.detail(ids[0], admin).members[0]
    care.enrol(ids[0], CoverIn(who=mother.id, kinds=["major_illness"]), admin)
    return ids


# --- a food-package campaign with a week of packages --------------------------------------------------------

def _delivery(families: list[str]) -> None:
    city, admin, contact = staff("city.admin"), staff("hospital.admin"), staff("hospital.contact")
    fund.set_budget("city", BudgetIn(year=times.today().year, annual_budget_fen=50_000_000,
                                     special_fund_fen=20_000_000), city)
    start = times.today() - timedelta(days=7)
    delivery.save_campaign("demo-veg", CampaignIn(
        name="爱心蔬菜（示例）", start_date=start, cap_fen=8000, price_fen=7500, funded_by="city",
        default_supplier="泰山区示例蔬菜合作社", suppliers=[]), city)
    for person_id in families[:3]:
        delivery.staff_signup(person_id, StaffSignupIn(address="泰山区示例小区 3 号楼 2 单元", window=Window.morning),
                              admin)
    week = delivery.week_of(delivery.campaign("demo-veg"), times.today()) or 1
    delivery.generate("demo-veg", week, admin.actor)
    for person_id, outcome in zip(families[:2], (Outcome.delivered, Outcome.failed), strict=False):
        delivery.confirm(f"demo-veg.{week}.{person_id}", ConfirmIn(outcome=outcome), contact)


# --- sessions: a fair with a waitlist, a course, a shuttle ---------------------------------------------------

def _booking() -> None:
    worker = staff("taishan.caseworker")
    day = datetime.combine(times.today() + timedelta(days=14), datetime.min.time(), UTC).replace(hour=1)
    sessions = [
        SessionIn(kind=Kind.fair, title="泰山区复工复产网络招聘会（示例）", unit_id="taishan", starts_at=day,
                  ends_at=day + timedelta(hours=6), place="泰山区人力资源市场三楼", capacity=3,
                  description="分时段入场，请戴口罩、测体温。", contact="0538-12351"),
        SessionIn(kind=Kind.course, title="线上劳动技能培训：电工基础（示例）", unit_id="taishan",
                  starts_at=day + timedelta(days=1), ends_at=day + timedelta(days=1, hours=2),
                  online_url="https://example.org/course/electrician", capacity=200),
        SessionIn(kind=Kind.shuttle, title="返岗直通车：泰安汽车站—泰山区示范工业园（示例）", unit_id="taishan",
                  starts_at=day - timedelta(hours=2), ends_at=day - timedelta(hours=1), place="泰安汽车站北广场上车",
                  capacity=45, description="凭报名编号上车，全程佩戴口罩。"),
    ]
    made = [booking.create_session(s, worker) for s in sessions]
    for n in range(5):  # the fair's three seats taken, two people waiting
        booking.register(made[0].id, booking.Person(name=f"示例报名人{n + 1}", phone=f"1380538{n:04d}"),
                         channel="portal", actor="public")
    for n in range(2):
        booking.register(made[2].id, booking.Person(name=f"示例乘车人{n + 1}", phone=f"1360538{n:04d}"),
                         channel="portal", actor="public")


# --- the special fund: a budget, an allocation down, spends ---------------------------------------------------

def _fund() -> str:
    """A county's fund, an allocation to a hospital, its spends; gives the masks purchase's entry id."""
    city, hospital = staff("city.admin"), staff("hospital.admin")
    year = times.today().year
    fund.set_budget("taishan", BudgetIn(year=year, annual_budget_fen=20_000_000, special_fund_fen=5_000_000), city)
    fund.set_budget(HOSPITAL, BudgetIn(year=year, annual_budget_fen=3_000_000, special_fund_fen=0), hospital)
    fund.allocate(AllocationIn(from_unit_id="taishan", to_unit_id=HOSPITAL, year=year,
                               amount_fen=1_000_000, approved_by="示例审批人", note="一线医护人员慰问专项（示例）"),
                  city)
    entries = [fund.record_spend(SpendIn(unit_id=HOSPITAL, category=category, amount_fen=amount,
                                         payee=payee, receipt=receipt, approved_by="示例审批人"), hospital)
               for category, amount, payee, receipt in (
                   ("frontline_medical", 300_000, "一线医护人员慰问（示例）", "SL-0001"),
                   ("supplies_masks", 120_000, "泰安示例防护用品公司（示例）", "SL-0002"))]
    return entries[-1].entry_id


# --- a case report, written, accepted and published; another still a draft --------------------------------

def _reports() -> None:
    writer, city = staff("hospital.admin"), staff("city.admin")
    report = reports.create(ReportIn(title="一对一联系人帮一线家庭渡过难关（示例）", text=(
        "示范医院工会为每户一线医护人员家庭配备一对一联系人，每周电话问候，按需代购药品和蔬菜，"
        "让一线人员安心工作。")), writer)
    report = reports.submit(report.report_id, VersionIn(version=report.version), writer)
    report = reports.review(report.report_id, ReviewIn(decision="accept", comment="做法具体，可以推广。",
                                                       version=report.version), city)
    reports.publication(report.report_id, PublicationIn(published=True, version=report.version), city)
    reports.create(ReportIn(title="错时上下班、分批返岗（示例草稿）", text=(
        "区总工会协调辖区企业错开上下班时间，分批安排职工返岗，减少人员聚集。")), staff("taishan.caseworker"))


# --- hardship workers, a check-in and a supply ---------------------------------------------------------------

def _hardship(supplies_entry: str) -> None:
    from openpyxl import Workbook

    worker = staff("taishan.caseworker")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "身份证号", "手机号码", "困难情况", "联系人"])
    sheet.append(["孙示例", _id_number(11), "13505380001", "本人患病，家庭收入低", "taishan.caseworker"])
    sheet.append(["周示例", _id_number(12), "13505380002", "单亲，独自抚养两个孩子", ""])
    data = io.BytesIO()
    book.save(data)
    result = hardship.import_register("taishan", ImportIn(content_base64=base64.b64encode(data.getvalue()).decode()),
                                      worker)
    first = result.worker_ids[0]
    hardship.record_check(first, CheckIn(situation="收入仍低，孩子上网课需要流量。", precautions="居家隔离，口罩不足。",
                                         weak_protection=True), worker)
    hardship.record_supply(first, SupplyIn(items="口罩 20 只、消毒液 2 瓶", entry_id=supplies_entry), worker)


# --- firms and openings -------------------------------------------------------------------------------------

def _recruitment() -> None:
    worker = staff("taishan.caseworker")
    firms = [("泰安示例机械制造有限公司（示例）", "91370900MA3C00001", "manufacturing"),
             ("泰山示例物流有限公司（示例）", "91370900MA3C00002", "logistics")]
    made = []
    for n, (name, code, industry) in enumerate(firms):
        made.append(recruitment.register_firm(FirmIn(
            name=name, credit_code=code + credit.check_character(code), county_unit_id="taishan", industry=industry,
            address="泰山区示范工业园", contact_name="示例联系人", contact_phone=f"1330538{n:04d}", consent=True,
            consent_version="2020-02-v1"), None))
    recruitment.review_firm(made[0].reference, FirmReviewIn(decision="approve", version=1), worker)
    until = times.today() + timedelta(days=30)
    for title, wage in (("数控车床操作工（示例）", (4000, 6000)), ("仓库管理员（示例）", (3500, 4500)),
                        ("夜班保安（示例）", (3000, 3600))):
        opening = recruitment.post_opening(OpeningIn(
            firm_reference=made[0].reference, phone="13305380000", title=title, headcount=5, wage_min=wage[0],
            wage_max=wage[1], shift="fixed", place="泰山区示范工业园", requirements="身体健康，有相关经验者优先。",
            valid_until=until), None)
        if title.startswith("数控车床操作工"):
            recruitment.review_opening(opening.reference, FirmReviewIn(decision="approve", version=1), worker)
        elif title.startswith("夜班保安"):  # returned: its history shows the reason the firm was given
            recruitment.review_opening(opening.reference, FirmReviewIn(
                decision="reject", reason="岗位要求未写明工作时间和社会保险，请补充后重新发布。", version=1), worker)
