"""Reopening firms and job openings: public registration, posting and listings, workers' interest,
and the county union's review before publication."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.core import api, outbox, xlsx
from chalicelib.core.auth import Principal
from chalicelib.core.outbox import MessageHistory, SentMessage
from chalicelib.recruitment import export, service
from chalicelib.recruitment.models import (
    Contact,
    Export,
    FirmDetail,
    FirmIn,
    FirmLookupIn,
    FirmReview,
    FirmReviewPage,
    InterestedList,
    InterestIn,
    Opening,
    OpeningDetail,
    OpeningIn,
    OpeningPage,
    OpeningReview,
    OpeningReviewPage,
    ReviewIn,
    Submitted,
)

TAG = "网上招聘"
STAFF_TAG = "招聘审核（工作人员）"
REFERENCE = {"reference": "登记编号"}
OPENING = {"reference": "岗位编号"}
UNIT = {"unit_id": "县市区工会代码"}


def _params() -> Mapping[str, str]:
    return api.current_request().query_params or {}


@api.route("/firms", "POST", summary="复工复产企业登记（经县市区总工会审核）", tag=TAG, body=FirmIn,
           response=Submitted, status=201,
           description="公开接口。统一社会信用代码按 GB 32100-2015 校验；返回登记编号，"
                       "凭编号和联系人手机号码查询审核结果、发布岗位。")
@api.public(operation="recruitment.firm")
def register_firm(body: FirmIn, principal: Principal | None) -> object:
    return service.register_firm(body, principal)


@api.route("/openings", "POST", summary="发布招聘岗位（凭单位登记编号和联系人手机号码；审核后公开）", tag=TAG,
           body=OpeningIn, response=Submitted, status=201, problems=(404,))
@api.public(operation="recruitment.firm")
def post_opening(body: OpeningIn, principal: Principal | None) -> object:
    return service.post_opening(body, principal)


@api.route("/openings", summary="已公开的招聘岗位（新的在前）", tag=TAG, response=OpeningPage,
           query_params={"county": "县市区工会代码", "industry": "行业", "shift": "fixed / staggered / flexible",
                         "cursor": "上一页返回的 next_cursor"})
def list_openings() -> object:
    p = _params()
    return service.list_openings(p.get("county") or None, p.get("industry") or None, p.get("shift") or None,
                                 p.get("cursor"))


@api.route("/openings/{reference}", summary="一个已公开的招聘岗位", tag=TAG, response=Opening, problems=(404,),
           path_params=OPENING)
def get_opening(reference: str) -> object:
    return service.public_opening(reference)


@api.route("/openings/{reference}/interest", "POST", summary="我对这个岗位有意向（显示单位联系方式）", tag=TAG,
           body=InterestIn, response=Contact, problems=(404,), path_params=OPENING,
           description="返回经工会审核的单位联系人和电话。"
                       "只有 share_phone 为 true 时，才把职工的姓名和手机号码转给单位。")
@api.public(operation="recruitment.interest")
def interest(reference: str, body: InterestIn, principal: Principal | None) -> object:
    return service.express_interest(reference, body, principal)


@api.route("/firms/interested", "POST", summary="单位查看同意转交联系方式的求职者（凭登记编号和联系人手机号码）",
           tag=TAG, body=FirmLookupIn, response=InterestedList, problems=(404,))
@api.public(operation="recruitment.firm")
@api.lookup
def firm_interested(body: FirmLookupIn) -> object:
    return service.interested_for_firm(body.reference, body.phone)


# --- staff: review ------------------------------------------------------------------------------------

@api.route("/staff/units/{unit_id}/firms", summary="待审核（或已审核）的企业登记", tag=STAFF_TAG,
           response=FirmReviewPage, problems=(404,), path_params=UNIT,
           query_params={"status": "pending（默认）/ approved / rejected",
                         "cursor": "上一页返回的 next_cursor"})
@api.staff(*service.READ)
@api.audit_reads
def firm_queue(unit_id: str, principal: Principal) -> object:
    p = _params()
    return service.firm_queue(unit_id, p.get("status") or None, p.get("cursor"), principal)


@api.route("/staff/firms/{reference}", summary="一家企业的登记和它的变更记录（审核用）", tag=STAFF_TAG,
           response=FirmDetail, problems=(404,), path_params=REFERENCE)
@api.staff(*service.READ)
@api.audit_reads
def staff_firm(reference: str, principal: Principal) -> object:
    return service.firm_review(reference, principal)


@api.route("/staff/firms/{reference}/review", "POST", summary="审核企业登记", tag=STAFF_TAG, body=ReviewIn,
           response=FirmReview, problems=(404,), path_params=REFERENCE)
@api.staff(*service.ACT)
def review_firm(reference: str, body: ReviewIn, principal: Principal) -> object:
    return service.review_firm(reference, body, principal)


@api.route("/staff/units/{unit_id}/openings", summary="待审核（或未通过）的招聘岗位", tag=STAFF_TAG,
           response=OpeningReviewPage, problems=(404,), path_params=UNIT,
           query_params={"status": "pending（默认）/ rejected", "cursor": "上一页返回的 next_cursor"})
@api.staff(*service.READ)
def opening_queue(unit_id: str, principal: Principal) -> object:
    p = _params()
    return service.opening_queue(unit_id, p.get("status") or None, p.get("cursor"), principal)


@api.route("/staff/openings/{reference}", summary="一个招聘岗位和它的变更记录（任何状态，审核用）", tag=STAFF_TAG,
           response=OpeningDetail, problems=(404,), path_params=OPENING)
@api.staff(*service.READ)
def staff_opening(reference: str, principal: Principal) -> object:
    return service.opening_review(reference, principal)


@api.route("/staff/openings/{reference}/review", "POST", summary="审核招聘岗位（通过即公开发布）", tag=STAFF_TAG,
           body=ReviewIn, response=OpeningReview, problems=(404,), path_params=OPENING)
@api.staff(*service.ACT)
def review_opening(reference: str, body: ReviewIn, principal: Principal) -> object:
    return service.review_opening(reference, body, principal)


@api.route("/staff/firms/{reference}/interested/export", summary="导出单位的有意向求职者（xlsx）", tag=STAFF_TAG,
           response=Export, problems=(404,), media_types=(xlsx.MEDIA_TYPE,), path_params=REFERENCE)
@api.staff(*service.READ)
@api.audit_reads
def export_interested(reference: str, principal: Principal) -> object:
    return export.interested_workbook(reference, principal)


# --- staff: the text messages sent to a firm about its registration and its openings ----------------------

def _message_routes(kind: str, path: str, path_params: dict[str, str], what: str) -> None:
    """A firm's or an opening's message history, and a resend of one of its messages (audited)."""

    @api.route(f"{path}/messages", summary=f"发给企业联系人的短信（{what}）和发送状态", tag=STAFF_TAG,
               response=MessageHistory, problems=(404,), path_params=path_params,
               description=outbox.HISTORY_DESCRIPTION, operation_id=f"recruitment_{kind}_messages")
    @api.staff(*service.READ)
    def messages(reference: str, principal: Principal) -> object:
        return service.messages(kind, reference, principal)

    @api.route(f"{path}/messages/{{message_id}}/resend", "POST", summary=f"重发一条短信（{what}）", tag=STAFF_TAG,
               response=SentMessage, status=201, problems=(404, 409), path_params={**path_params, **outbox.MESSAGE_ID},
               description=outbox.RESEND_DESCRIPTION, operation_id=f"recruitment_resend_{kind}_message")
    @api.staff(*service.ACT)
    def resend(reference: str, message_id: str, principal: Principal) -> object:
        return service.resend_message(kind, reference, message_id, principal)


_message_routes("firm", "/staff/firms/{reference}", REFERENCE, "企业登记")
_message_routes("opening", "/staff/openings/{reference}", OPENING, "招聘岗位")
