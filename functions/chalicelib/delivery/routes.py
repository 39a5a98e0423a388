"""Weekly food packages (爱心蔬菜): public sign-up, pause and resume; the campaign, rosters,
supplier lists and delivery confirmations in the workbench (the daily roster schedule: events.py)."""

from __future__ import annotations

from chalicelib.core import api, errors, metrics, xlsx
from chalicelib.core.auth import Principal
from chalicelib.delivery import service
from chalicelib.delivery.models import (
    Campaign,
    CampaignIn,
    CampaignList,
    ConfirmIn,
    FamilySignup,
    FileOut,
    GenerateIn,
    GenerateResult,
    Package,
    PauseIn,
    RosterPage,
    SignupIn,
    SignupOut,
    StaffPauseIn,
    StaffSignupIn,
)
from chalicelib.delivery.service import CONTACT, FAMILY_READ, READ, STAFF

TAG = "爱心蔬菜"
CAMPAIGN = {"campaign_id": "活动编号（如 2020-frontline）"}
UNIT = {"unit_id": "工会组织编号"}
FAMILY = {"person_id": "家庭编号"}
WEEK = {"campaign_id": "活动编号", "week": "第几周（从活动开始日起算，第 1 周为开始日起 7 天）"}
BUTTON_SECONDS = 20.0  # inside API Gateway's 29 s; the page presses again until done


def _week(value: str | None) -> int:
    if not value or not value.isdigit() or not 1 <= int(value) <= 520:
        raise errors.bad_request("周次应为 1 到 520 之间的整数。", "week")
    return int(value)


def _query() -> dict[str, str]:
    return dict(api.current_request().query_params or {})


@api.route("/delivery/signups", "POST", summary="一线人员家庭登记每周爱心蔬菜配送", tag=TAG, body=SignupIn,
           response=SignupOut, status=201, problems=(404,),
           description="凭家庭编号和登记的手机号码填写；登记后每周自动配送，无需每周重填。再次提交即修改地址和时段。")
@api.public(operation="delivery.signup")
def public_signup(body: SignupIn) -> object:
    return service.public_signup(body)


@api.route("/delivery/signups/pause", "POST", summary="暂停或恢复爱心蔬菜配送", tag=TAG, body=PauseIn,
           response=SignupOut, problems=(404, 409),
           description="只能暂停配送中的登记、恢复已暂停的登记；否则答复 409。")
@api.public(operation="delivery.signup")
def public_pause(body: PauseIn) -> object:
    return service.public_pause(body)


@api.route("/staff/delivery/families/{person_id}/signup", "POST", summary="代家庭登记爱心蔬菜配送", tag=TAG,
           body=StaffSignupIn, response=SignupOut, status=201, problems=(404,), path_params=FAMILY)
@api.staff(*STAFF, CONTACT)
def staff_signup(person_id: str, body: StaffSignupIn, principal: Principal) -> object:
    return service.staff_signup(person_id, body, principal)


@api.route("/staff/delivery/families/{person_id}/signup", summary="一个家庭的爱心蔬菜登记和现在可做的操作", tag=TAG,
           response=FamilySignup, problems=(404,), path_params=FAMILY,
           description="进行中活动里这户家庭的登记（没有活动或还没有登记时为空）；actions 只列出当前状态可做的："
                       "配送中可暂停，已暂停可恢复。")
@api.staff(*FAMILY_READ, CONTACT)
def family_signup(person_id: str, principal: Principal) -> object:
    return service.family_signup(person_id, principal)


@api.route("/staff/delivery/families/{person_id}/pause", "POST", summary="代家庭暂停或恢复配送", tag=TAG,
           body=StaffPauseIn, response=SignupOut, problems=(404, 409), path_params=FAMILY,
           description="只能暂停配送中的登记、恢复已暂停的登记；否则答复 409。")
@api.staff(*STAFF, CONTACT)
def staff_pause(person_id: str, body: StaffPauseIn, principal: Principal) -> object:
    return service.staff_pause(person_id, body, principal)


@api.route("/staff/delivery/campaigns", summary="爱心蔬菜活动设置", tag=TAG, response=CampaignList)
@api.staff(*READ, CONTACT)
def campaigns() -> object:
    return service.list_campaigns()


@api.route("/staff/delivery/campaigns", "POST", summary="新建爱心蔬菜活动（市总工会，编号由系统生成）", tag=TAG,
           body=CampaignIn, response=Campaign, status=201,
           description="活动编号由系统生成并在答复中给出；以后修改用 POST /staff/delivery/campaigns/{campaign_id}。"
                       "新建时不填 version。")
@api.staff("city_admin")
def create_campaign(body: CampaignIn, principal: Principal) -> object:
    return service.create_campaign(body, principal)


@api.route("/staff/delivery/campaigns/{campaign_id}", "POST", summary="设置爱心蔬菜活动（市总工会）", tag=TAG,
           body=CampaignIn, response=Campaign, path_params=CAMPAIGN,
           description="开始日期、结束日期（疫情防控任务结束时填写）、每份上限和价格（分）、出资单位、各县市区供应商。"
                       "修改时带上读取时的 version。")
@api.staff("city_admin")
def save_campaign(campaign_id: str, body: CampaignIn, principal: Principal) -> object:
    if not campaign_id.replace("-", "").isalnum() or len(campaign_id) > 40 or campaign_id != campaign_id.lower():
        raise errors.bad_request("活动编号只能用小写字母、数字和 -。", "campaign_id")
    return service.save_campaign(campaign_id, body, principal)


@api.route("/staff/delivery/campaigns/{campaign_id}/rosters", "POST", summary="生成某一周的配送名单并记账", tag=TAG,
           body=GenerateIn, response=GenerateResult, problems=(404,), path_params=CAMPAIGN,
           description="每户每周至多一份（跨活动按全市统一周次计算），每份不超过活动上限和通知规定的80元，每份支出记入"
                       "出资单位的专项资金。这一周已由其他活动配送过的家庭跳过、不记账，列在 skipped_families 中。"
                       "重复或同时生成结果相同，不会重复记账。done 为 false 时请再点一次继续。")
@api.staff("city_admin")
def generate(campaign_id: str, body: GenerateIn, principal: Principal) -> object:
    result = service.generate(campaign_id, body.week, principal.actor, BUTTON_SECONDS)
    metrics.record(metrics.ROSTER_PACKAGES_WRITTEN, result.created)
    return result


@api.route("/staff/delivery/units/{unit_id}/roster", summary="本单位及下级单位某一周的配送名单", tag=TAG,
           response=RosterPage, problems=(404,), path_params=UNIT,
           query_params={"campaign_id": "活动编号", "week": "第几周", "cursor": "下一批下级单位"})
@api.staff(*READ)
@api.audit_reads
def roster(unit_id: str, principal: Principal) -> object:
    q = _query()
    return service.roster(unit_id, q.get("campaign_id", ""), _week(q.get("week")), q.get("cursor"), principal)


@api.route("/staff/delivery/units/{unit_id}/supplier-list", summary="导出给供应商的配送单（xlsx，base64）", tag=TAG,
           response=FileOut, problems=(404,), media_types=(xlsx.MEDIA_TYPE,), path_params=UNIT,
           query_params={"campaign_id": "活动编号", "week": "第几周"},
           description="只含配送需要的信息：收件人（隐去名字）、手机号码、地址、时段和饮食备注。")
@api.staff(*READ)
@api.audit_reads
def supplier_list(unit_id: str, principal: Principal) -> object:
    q = _query()
    return service.supplier_list(unit_id, q.get("campaign_id", ""), _week(q.get("week")), principal)


@api.route("/staff/delivery/families/{person_id}/packages", summary="一个家庭近期的爱心蔬菜", tag=TAG,
           response=RosterPage, problems=(404,), path_params=FAMILY, query_params={"campaign_id": "活动编号"})
@api.staff(*FAMILY_READ, CONTACT)
@api.audit_reads
def family_packages(person_id: str, principal: Principal) -> object:
    return service.family_packages(person_id, _query().get("campaign_id", ""), principal)


@api.route("/staff/delivery/packages/{package_id}/confirmation", "POST", summary="确认配送结果", tag=TAG,
           body=ConfirmIn, response=Package, problems=(404,),
           path_params={"package_id": "配送编号（活动编号.周次.家庭编号）"})
@api.staff(*STAFF, CONTACT)
def confirm(package_id: str, body: ConfirmIn, principal: Principal) -> object:
    return service.confirm(package_id, body, principal)

