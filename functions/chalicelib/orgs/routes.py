"""Public view of the union tree (units are public; staff and people are not)."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.core import api, roles
from chalicelib.core.auth import Principal
from chalicelib.orgs import service
from chalicelib.orgs.models import (
    AlertPhonesIn,
    Staff,
    StaffCreated,
    StaffIn,
    StaffPage,
    Unit,
    UnitAlerts,
    UnitIn,
    UnitPage,
    WebhookIn,
)


@api.route("/units/{unit_id}", summary="一个工会组织", tag="工会组织", response=Unit, problems=(404,),
           path_params={"unit_id": "工会组织编号"})
def get_unit(unit_id: str) -> object:
    return service.get_unit(unit_id)


@api.route("/units/{unit_id}/subtree", summary="一个工会组织及其下属全部组织（分页）", tag="工会组织",
           response=UnitPage, problems=(404,), path_params={"unit_id": "工会组织编号"},
           query_params={"cursor": "上一页返回的 next_cursor"})
def subtree(unit_id: str) -> object:
    params: Mapping[str, str] = api.current_request().query_params or {}
    return service.subtree(unit_id, params.get("cursor"))


ADMINS = roles.ADMINS


@api.route("/admin/units", "POST", summary="在本单位之下新建工会组织", tag="组织与人员管理", body=UnitIn,
           response=Unit, status=201, problems=(404,))
@api.staff(*ADMINS)
def create_unit(body: UnitIn, principal: Principal) -> object:
    return service.create_unit(body, principal)


@api.route("/admin/staff", "POST", summary="为本单位或下级单位开设工作人员账号", tag="组织与人员管理", body=StaffIn,
           response=StaffCreated, status=201, problems=(404,))
@api.staff(*ADMINS)
@api.shown_once("temporary_password")
def create_staff(body: StaffIn, principal: Principal) -> object:
    return service.create_staff(body, principal)


@api.route("/admin/units/{unit_id}/staff", summary="一个单位的工作人员（分页）", tag="组织与人员管理",
           response=StaffPage, problems=(404,), path_params={"unit_id": "工会组织编号"},
           query_params={"cursor": "上一页返回的 next_cursor"})
@api.staff(*ADMINS, "auditor")
@api.audit_reads
def unit_staff(unit_id: str, principal: Principal) -> object:
    params: Mapping[str, str] = api.current_request().query_params or {}
    return service.staff_of_unit(unit_id, params.get("cursor"), principal)


@api.route("/admin/staff/{username}/disable", "POST", summary="停用工作人员账号", tag="组织与人员管理",
           response=Staff, problems=(404, 409), path_params={"username": "登录名"})
@api.staff(*ADMINS)
def disable_staff(username: str, principal: Principal) -> object:
    return service.disable_staff(username, principal)


ALERTS_TAG = "组织与人员管理"
UNIT = {"unit_id": "工会组织编号"}


@api.route("/admin/units/{unit_id}/alerts", summary="本单位工作提醒发往哪里（群机器人、工作人员手机）",
           tag=ALERTS_TAG, response=UnitAlerts, problems=(404,), path_params=UNIT,
           description="只说明是否已设置群机器人及设置时间；地址和密钥保存后不再显示。")
@api.staff(*ADMINS)
def unit_alerts(unit_id: str, principal: Principal) -> object:
    return service.unit_alerts(unit_id, principal)


@api.route("/admin/units/{unit_id}/alerts/webhook", "PUT", summary="设置本单位的企业微信或钉钉群机器人",
           tag=ALERTS_TAG, body=WebhookIn, response=UnitAlerts, problems=(404,), path_params=UNIT,
           description="新求助提醒和每日逾期汇总发到这个群。地址和加签密钥加密保存，保存后不再显示；重新设置即替换。")
@api.staff(*ADMINS)
def set_webhook(unit_id: str, body: WebhookIn, principal: Principal) -> object:
    return service.set_webhook(unit_id, body, principal)


@api.route("/admin/units/{unit_id}/alerts/webhook/remove", "POST", summary="删除本单位的群机器人",
           tag=ALERTS_TAG, response=UnitAlerts, problems=(404,), path_params=UNIT)
@api.staff(*ADMINS)
def remove_webhook(unit_id: str, principal: Principal) -> object:
    return service.remove_webhook(unit_id, principal)


@api.route("/admin/units/{unit_id}/alerts/phones", "PUT", summary="设置接收提醒短信的工作人员手机号码",
           tag=ALERTS_TAG, body=AlertPhonesIn, response=UnitAlerts, problems=(404,), path_params=UNIT,
           description="可不设；空列表表示不发短信提醒。")
@api.staff(*ADMINS)
def set_alert_phones(unit_id: str, body: AlertPhonesIn, principal: Principal) -> object:
    return service.set_alert_phones(unit_id, body, principal)
