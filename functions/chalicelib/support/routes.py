"""Support-service requests: public intake, and the staff workbench (queue, lifecycle, notes,
reassignment, counsellors, hotline intake, roll-ups and export)."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.core import api, outbox, xlsx
from chalicelib.core.auth import Principal
from chalicelib.core.outbox import MessageHistory, SentMessage
from chalicelib.support import pool, service, views, work
from chalicelib.support.models import (
    AssignIn,
    CallerHistory,
    CallerLookupIn,
    Counsellor,
    CounsellorAssignIn,
    CounsellorIn,
    CounsellorList,
    Export,
    HotlineIntakeIn,
    Note,
    NoteIn,
    QueuePage,
    RequestDetail,
    RollupPage,
    SupportRequestCreated,
    SupportRequestIn,
    TransitionIn,
)
from chalicelib.support.service import ACT, COUNSELLOR, READ

TAG = "求助办理"
REF = {"reference": "查询编号"}
UNIT = {"unit_id": "工会组织编号"}
CURSOR = {"cursor": "上一页返回的 next_cursor"}
FILTERS = {"status": "按状态筛选", "category": "按类别筛选"}


def _params() -> Mapping[str, str]:
    return api.current_request().query_params or {}


@api.route("/support-requests", "POST", summary="提交求助（心理咨询、法律援助、困难帮扶等）", tag="求助服务",
           body=SupportRequestIn, response=SupportRequestCreated, status=201,
           description="公开接口，无需登录；合作应用带上凭证调用时记录其渠道。按所填单位或县市区转给负责的工会办理，返回查询编号。")
@api.public(operation="support.submit")
def submit(body: SupportRequestIn, principal: Principal | None) -> object:
    return service.submit(body, principal)


@api.route("/staff/support/units/{unit_id}/queue", summary="一个单位的求助队列（分页，先到先列）", tag=TAG,
           response=QueuePage, problems=(404,), path_params=UNIT,
           query_params={**FILTERS, "overdue": "填 1 只看已逾期", **CURSOR})
@api.staff(*READ)
@api.audit_reads
def unit_queue(unit_id: str, principal: Principal) -> object:
    p = _params()
    return views.queue(unit_id, principal, p.get("cursor"), p.get("status"), p.get("category"),
                       p.get("overdue") == "1")


@api.route("/staff/support/units/{unit_id}/overdue", summary="本单位及下级单位已逾期的求助", tag=TAG,
           response=QueuePage, problems=(404,), path_params=UNIT, query_params=CURSOR,
           description="本单位及其全部下级单位已过应答期限、仍未办结的求助，最久逾期的在前（按应答期限，同一时刻按"
                       "查询编号），每条注明负责办理的单位。每页最多 50 条；还有下一条时才给 next_cursor，"
                       "带上它取下一页，不重复、不遗漏。")
@api.staff(*READ)
@api.audit_reads
def overdue(unit_id: str, principal: Principal) -> object:
    return views.overdue_in_subtree(unit_id, principal, _params().get("cursor"))


@api.route("/staff/support/units/{unit_id}/rollup", summary="按单位和类别汇总的求助数量（含下级）", tag=TAG,
           response=RollupPage, problems=(404,), path_params=UNIT, query_params=CURSOR)
@api.staff(*READ)
def rollup(unit_id: str, principal: Principal) -> object:
    return views.rollup(unit_id, principal, _params().get("cursor"))


@api.route("/staff/support/units/{unit_id}/export", summary="导出一个单位的求助队列（xlsx，base64）", tag=TAG,
           response=Export, problems=(404,), media_types=(xlsx.MEDIA_TYPE,), path_params=UNIT, query_params=FILTERS,
           description="返回 JSON：content_base64 为 xlsx 文件内容。只读角色导出的姓名和手机号码已部分隐去。")
@api.staff(*READ)
@api.audit_reads
def export(unit_id: str, principal: Principal) -> object:
    p = _params()
    return views.export(unit_id, principal, p.get("status"), p.get("category"))


@api.route("/staff/support/requests/{reference}", summary="一件求助的详情、备注和办理记录", tag=TAG,
           response=RequestDetail, problems=(404,), path_params=REF)
@api.staff(*READ, COUNSELLOR)
@api.audit_reads
def detail(reference: str, principal: Principal) -> object:
    return views.detail(reference, principal)


@api.route("/staff/support/requests/{reference}/transitions", "POST", summary="变更求助的办理状态", tag=TAG,
           body=TransitionIn, response=RequestDetail, problems=(404,), path_params=REF,
           description="version 为读取时的版本号；期间已被他人修改时回答 409「记录已被他人修改」。")
@api.staff(*ACT, COUNSELLOR)
def transition(reference: str, body: TransitionIn, principal: Principal) -> object:
    return views.to_detail(work.transition(reference, body, principal), principal)


@api.route("/staff/support/requests/{reference}/messages", summary="这件求助发给求助人的短信和发送状态", tag=TAG,
           response=MessageHistory, problems=(404,), path_params=REF,
           description=outbox.HISTORY_DESCRIPTION)
@api.staff(*READ, COUNSELLOR)
def messages(reference: str, principal: Principal) -> object:
    return views.messages(reference, principal)


@api.route("/staff/support/requests/{reference}/messages/{message_id}/resend", "POST", summary="重发一条短信",
           tag=TAG, response=SentMessage, status=201, problems=(404, 409),
           path_params={**REF, **outbox.MESSAGE_ID},
           description=outbox.RESEND_DESCRIPTION)
@api.staff(*ACT, COUNSELLOR)
def resend_message(reference: str, message_id: str, principal: Principal) -> object:
    return work.resend_message(reference, message_id, principal)


@api.route("/staff/support/requests/{reference}/notes", "POST", summary="添加备注（仅工作人员可见）", tag=TAG,
           body=NoteIn, response=Note, status=201, problems=(404,), path_params=REF)
@api.staff(*ACT, COUNSELLOR)
def add_note(reference: str, body: NoteIn, principal: Principal) -> object:
    return work.add_note(reference, body, principal)


@api.route("/staff/support/requests/{reference}/assignment", "POST", summary="改派到本单位或下级单位", tag=TAG,
           body=AssignIn, response=RequestDetail, problems=(404,), path_params=REF)
@api.staff(*ACT)
def reassign(reference: str, body: AssignIn, principal: Principal) -> object:
    return views.to_detail(work.reassign(reference, body, principal), principal)


@api.route("/staff/support/requests/{reference}/counsellor", "POST", summary="指派或取消心理咨询师", tag=TAG,
           body=CounsellorAssignIn, response=RequestDetail, problems=(404,), path_params=REF)
@api.staff(*ACT)
def assign_counsellor(reference: str, body: CounsellorAssignIn, principal: Principal) -> object:
    return views.to_detail(work.assign_counsellor(reference, body, principal), principal)


@api.route("/staff/support/counsellors", summary="心理咨询师库", tag=TAG, response=CounsellorList)
@api.staff(*READ, COUNSELLOR)
def counsellors() -> object:
    return views.counsellor_list()


@api.route("/staff/support/counsellors", "POST", summary="添加或修改心理咨询师资料", tag=TAG, body=CounsellorIn,
           response=Counsellor, description="心理咨询师须另有角色为「心理咨询师」的工作人员账号，登录名与此处一致。")
@api.staff("city_admin")
def save_counsellor(body: CounsellorIn, principal: Principal) -> object:
    return pool.upsert(body, principal)


@api.route("/staff/support/counsellors/{username}/remove", "POST", summary="把心理咨询师移出咨询师库", tag=TAG,
           response=CounsellorList, problems=(404, 409), path_params={"username": "心理咨询师的登录名"},
           description="只移出咨询师库，工作人员账号不变。还有未办结求助的咨询师不能移出，可先设为暂停接案。")
@api.staff("city_admin")
def remove_counsellor(username: str, principal: Principal) -> object:
    pool.remove(username, principal)
    return views.counsellor_list()


@api.route("/staff/support/counsellor/cases", summary="指派给我的心理咨询求助", tag=TAG, response=QueuePage,
           query_params=CURSOR)
@api.staff(COUNSELLOR)
@api.audit_reads
def my_cases(principal: Principal) -> object:
    return views.counsellor_cases(principal, _params().get("cursor"))


@api.route("/staff/support/hotline/intake", "POST", summary="登记热线来电求助", tag=TAG, body=HotlineIntakeIn,
           response=SupportRequestCreated, status=201,
           description="渠道记为 hotline，并记录接线员；返回的查询编号请读给来电人。")
@api.staff("hotline_operator")
def hotline_intake(body: HotlineIntakeIn, principal: Principal) -> object:
    return service.hotline_intake(body, principal)


@api.route("/staff/support/hotline/caller-history", "POST", summary="来电人以往的求助（按手机号码）", tag=TAG,
           body=CallerLookupIn, response=CallerHistory,
           description="号码放在请求体中，不出现在网址里；回答中的号码已部分隐去。它只是查询，"
                       "回答不随 Idempotency-Key 保存。")
@api.staff("hotline_operator", *ACT)
@api.lookup
def caller_history(body: CallerLookupIn, principal: Principal) -> object:
    return views.caller_history(body.phone, principal)


@api.route("/staff/support/hotline/intakes", summary="我登记的热线求助", tag=TAG, response=QueuePage,
           query_params=CURSOR)
@api.staff("hotline_operator")
@api.audit_reads
def my_intakes(principal: Principal) -> object:
    return views.operator_intakes(principal, _params().get("cursor"))
