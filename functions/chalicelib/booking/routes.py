"""Booking sessions: public listings and registration, cancellation by reference + phone, and the
staff work on sessions (create, change, cancel, close, reopen, capacity, history, registrations, attendance, export)."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.booking import export, service
from chalicelib.booking.models import (
    AttendanceIn,
    CancelIn,
    Cancelled,
    CapacityIn,
    Export,
    PublicSession,
    PublicSessionPage,
    Registered,
    Registration,
    RegistrationIn,
    RegistrationPage,
    Session,
    SessionCancelIn,
    SessionChangeIn,
    SessionHistory,
    SessionIn,
    SessionPage,
)
from chalicelib.core import api, outbox, xlsx
from chalicelib.core.auth import Principal
from chalicelib.core.outbox import MessageHistory, SentMessage

TAG = "报名（招聘会、培训、返岗直通车）"
STAFF_TAG = "场次管理（工作人员）"
SESSION_ID = {"session_id": "场次编号"}


def _params() -> Mapping[str, str]:
    return api.current_request().query_params or {}


@api.route("/sessions", summary="可报名的场次（招聘会、线上培训、返岗直通车），按开始时间排序", tag=TAG,
           response=PublicSessionPage,
           query_params={"kind": "fair 招聘会 / course 培训课程 / shuttle 返岗直通车", "county": "县市区工会代码",
                         "cursor": "上一页返回的 next_cursor"})
def list_sessions() -> object:
    params = _params()
    return service.list_public(params.get("kind", "fair"), params.get("county") or None, params.get("cursor"))


@api.route("/sessions/{session_id}", summary="一个场次", tag=TAG, response=PublicSession, problems=(404,),
           path_params=SESSION_ID)
def get_session(session_id: str) -> object:
    return service.public_session(session_id)


@api.route("/sessions/{session_id}/registrations", "POST", summary="报名一个场次（名额满时进入候补）", tag=TAG,
           body=RegistrationIn, response=Registered, status=201, problems=(404,), path_params=SESSION_ID,
           description="公开接口。每个手机号码在一个场次只能占一个名额；名额满时按先后顺序候补，有人取消时自动递补。")
@api.public(operation="booking.register")
def register(session_id: str, body: RegistrationIn, principal: Principal | None) -> object:
    person = service.Person(body.name, body.phone, body.note)
    return service.register(session_id, person, channel=principal.channel if principal else "portal",
                            actor=principal.actor if principal else "public",
                            partner_id=principal.id if principal else None)


@api.route("/bookings/cancel", "POST", summary="凭报名编号和手机号码取消报名", tag=TAG, body=CancelIn,
           response=Cancelled, problems=(404,),
           description="手机号码放在请求正文里，不出现在网址中。取消确认的名额时，候补第一位自动递补。")
@api.public(operation="booking.cancel")
def cancel(body: CancelIn, principal: Principal | None) -> object:
    result = service.cancel_by_reference(body.reference, body.phone, principal.actor if principal else "public")
    return result.model_copy(update={"promoted": None})


# --- staff ---------------------------------------------------------------------------------------------

@api.route("/staff/sessions", "POST", summary="新建场次", tag=STAFF_TAG, body=SessionIn, response=Session,
           status=201, problems=(404,))
@api.staff(*service.ACT)
def create_session(body: SessionIn, principal: Principal) -> object:
    return service.create_session(body, principal)


@api.route("/staff/units/{unit_id}/sessions", summary="本单位主办的场次（新的在前）", tag=STAFF_TAG,
           response=SessionPage, problems=(404,), path_params={"unit_id": "单位代码"},
           query_params={"cursor": "上一页返回的 next_cursor"})
@api.staff(*service.READ)
def unit_sessions(unit_id: str, principal: Principal) -> object:
    return service.unit_sessions(unit_id, _params().get("cursor"), principal)


@api.route("/staff/sessions/{session_id}", summary="场次详情", tag=STAFF_TAG, response=Session, problems=(404,),
           path_params=SESSION_ID)
@api.staff(*service.READ)
def session_detail(session_id: str, principal: Principal) -> object:
    return service.to_session(service.session_for_staff(session_id, principal))


@api.route("/staff/sessions/{session_id}/close", "POST", summary="停止报名", tag=STAFF_TAG, response=Session,
           problems=(404,), path_params=SESSION_ID)
@api.staff(*service.ACT)
def close(session_id: str, principal: Principal) -> object:
    return service.close(session_id, principal)


@api.route("/staff/sessions/{session_id}/reopen", "POST", summary="重新开放报名", tag=STAFF_TAG, response=Session,
           problems=(404,), path_params=SESSION_ID)
@api.staff(*service.ACT)
def reopen(session_id: str, principal: Principal) -> object:
    return service.reopen(session_id, principal)


@api.route("/staff/sessions/{session_id}/capacity", "POST",
           summary="调整名额（不少于已确认人数；增加时候补自动递补）", tag=STAFF_TAG, body=CapacityIn, response=Session,
           problems=(404,), path_params=SESSION_ID)
@api.staff(*service.ACT)
def capacity(session_id: str, body: CapacityIn, principal: Principal) -> object:
    return service.change_capacity(session_id, body.capacity, principal)


@api.route("/staff/sessions/{session_id}/change", "POST", summary="修改时间地点（报名人会收到短信）",
           tag=STAFF_TAG, body=SessionChangeIn, response=Session, problems=(404, 409), path_params=SESSION_ID,
           description="带上读取时的 version；场次在此之后被改过时答 409。已确认和候补的报名人都会收到新的时间地点。")
@api.staff(*service.ACT)
def change(session_id: str, body: SessionChangeIn, principal: Principal) -> object:
    return service.change_session(session_id, body, principal)


@api.route("/staff/sessions/{session_id}/cancel", "POST", summary="取消场次（报名人会收到短信和取消原因）",
           tag=STAFF_TAG, body=SessionCancelIn, response=Session, problems=(404, 409), path_params=SESSION_ID,
           description="带上读取时的 version。取消后不再接受报名，名额和候补不再变动；"
                       "已确认和候补的报名人都会收到取消原因。")
@api.staff(*service.ACT)
def cancel_session(session_id: str, body: SessionCancelIn, principal: Principal) -> object:
    return service.cancel_session(session_id, body, principal)


@api.route("/staff/sessions/{session_id}/history", summary="场次的变更记录（新建、调整名额、修改、停止、取消）",
           tag=STAFF_TAG, response=SessionHistory, problems=(404,), path_params=SESSION_ID)
@api.staff(*service.READ)
def session_history(session_id: str, principal: Principal) -> object:
    return service.session_history(session_id, principal)


@api.route("/staff/sessions/{session_id}/registrations", summary="报名名单与候补名单", tag=STAFF_TAG,
           response=RegistrationPage, problems=(404,), path_params=SESSION_ID,
           query_params={"status": "confirmed / waitlisted（按候补顺序）/ cancelled",
                         "cursor": "上一页返回的 next_cursor"})
@api.staff(*service.READ)
@api.audit_reads
def registrations(session_id: str, principal: Principal) -> object:
    params = _params()
    return service.registrations(session_id, params.get("status") or None, params.get("cursor"), principal)


@api.route("/staff/sessions/{session_id}/registrations/{reference}/attendance", "POST", summary="登记到场",
           tag=STAFF_TAG, body=AttendanceIn, response=Registration, problems=(404,),
           path_params={**SESSION_ID, "reference": "报名编号"})
@api.staff(*service.ACT)
def attendance(session_id: str, reference: str, body: AttendanceIn, principal: Principal) -> object:
    return service.mark_attendance(session_id, reference, body.attended, principal)


@api.route("/staff/sessions/{session_id}/registrations/{reference}/cancel", "POST",
           summary="代为取消报名（候补第一位自动递补）", tag=STAFF_TAG, response=Cancelled, problems=(404, 409),
           path_params={**SESSION_ID, "reference": "报名编号"})
@api.staff(*service.ACT)
def staff_cancel(session_id: str, reference: str, principal: Principal) -> object:
    return service.cancel_for_staff(session_id, reference, principal)


REGISTRATION = {**SESSION_ID, "reference": "报名编号"}


@api.route("/staff/sessions/{session_id}/registrations/{reference}/messages", summary="发给报名人的短信和发送状态",
           tag=STAFF_TAG, response=MessageHistory, problems=(404,), path_params=REGISTRATION,
           description=outbox.HISTORY_DESCRIPTION)
@api.staff(*service.READ)
def registration_messages(session_id: str, reference: str, principal: Principal) -> object:
    return service.registration_messages(session_id, reference, principal)


@api.route("/staff/sessions/{session_id}/registrations/{reference}/messages/{message_id}/resend", "POST",
           summary="重发一条短信（报名）", tag=STAFF_TAG, response=SentMessage, status=201, problems=(404, 409),
           path_params={**REGISTRATION, **outbox.MESSAGE_ID},
           description=outbox.RESEND_DESCRIPTION)
@api.staff(*service.ACT)
def resend_registration_message(session_id: str, reference: str, message_id: str, principal: Principal) -> object:
    return service.resend_registration_message(session_id, reference, message_id, principal)


@api.route("/staff/sessions/{session_id}/export", summary="导出报名名单（xlsx）", tag=STAFF_TAG, response=Export,
           media_types=(xlsx.MEDIA_TYPE,), problems=(404,), path_params=SESSION_ID)
@api.staff(*service.READ)
@api.audit_reads
def export_session(session_id: str, principal: Principal) -> object:
    return export.session_workbook(session_id, principal)
