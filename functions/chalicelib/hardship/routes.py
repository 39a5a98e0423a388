"""Registered hardship workers: the register, contact persons' checks, supplies given (part 2.4)."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.core import api, roles
from chalicelib.core.auth import Principal
from chalicelib.hardship import service
from chalicelib.hardship.models import (
    CheckIn,
    ContactChoices,
    ImportIn,
    ImportResult,
    SupplyIn,
    WorkerDetail,
    WorkerIn,
    WorkerPage,
)

TAG = "困难职工帮扶"
MANAGERS, VISITORS, READERS = roles.CASEWORK, roles.VISITS, roles.VISITS_READ
WORKER = {"worker_id": "困难职工档案编号"}


@api.route("/hardship/units/{unit_id}/import", "POST", summary="从 xlsx 导入在档困难职工（全部无误才导入）",
           tag=TAG, body=ImportIn, response=ImportResult, status=201, problems=(404,),
           path_params={"unit_id": "工会组织编号"},
           description="表头：姓名、身份证号、手机号码、困难情况、联系人（登录名，可空）。联系人须是可以担任"
                       "联系人的工作人员（见 GET /hardship/units/{unit_id}/contacts）。任何一行有误时整表不导入，"
                       "逐行列出错误。")
@api.staff(*MANAGERS)
def import_register(unit_id: str, body: ImportIn, principal: Principal) -> object:
    return service.import_register(unit_id, body, principal)


@api.route("/hardship/units/{unit_id}/contacts", summary="可以担任这个单位困难职工联系人的工作人员", tag=TAG,
           response=ContactChoices, problems=(404,), path_params={"unit_id": "工会组织编号"},
           description="本单位及其上级（到调用者所在单位为止）在用的、可以记录走访的工作人员，本单位的排在前面。"
                       "登记困难职工时从中选择联系人。")
@api.staff(*MANAGERS)
def contacts(unit_id: str, principal: Principal) -> object:
    return service.contact_choices(unit_id, principal)


@api.route("/hardship/units/{unit_id}/workers", "POST", summary="登记一名在档困难职工", tag=TAG, body=WorkerIn,
           response=WorkerDetail, status=201, problems=(404, 409), path_params={"unit_id": "工会组织编号"},
           description="身份证号已在档时拒绝并说明；联系人须是 GET /hardship/units/{unit_id}/contacts 列出的"
                       "工作人员之一（本单位或上级在用的、可以记录走访的账号，在调用者的范围内），否则 400。")
@api.staff(*MANAGERS)
def register(unit_id: str, body: WorkerIn, principal: Principal) -> object:
    return service.register_worker(unit_id, body, principal)


@api.route("/hardship/units/{unit_id}/workers", summary="一个单位的在档困难职工（分页）", tag=TAG,
           response=WorkerPage, problems=(404,), path_params={"unit_id": "工会组织编号"},
           query_params={"cursor": "上一页返回的 next_cursor"})
@api.staff(*READERS)
@api.audit_reads
def workers(unit_id: str, principal: Principal) -> object:
    params: Mapping[str, str] = api.current_request().query_params or {}
    return service.workers(unit_id, params.get("cursor"), principal)


@api.route("/hardship/workers/{worker_id}", summary="一名困难职工的档案、走访记录和赠送物资", tag=TAG,
           response=WorkerDetail, problems=(404,), path_params=WORKER)
@api.staff(*READERS)
@api.audit_reads
def detail(worker_id: str, principal: Principal) -> object:
    return service.detail(worker_id, principal)


@api.route("/hardship/workers/{worker_id}/checks", "POST", summary="联系人记录家庭困难状况和防控措施落实情况",
           tag=TAG, body=CheckIn, response=WorkerDetail, status=201, problems=(404,), path_params=WORKER)
@api.staff(*VISITORS)
def check(worker_id: str, body: CheckIn, principal: Principal) -> object:
    return service.record_check(worker_id, body, principal)


@api.route("/hardship/workers/{worker_id}/supplies", "POST", summary="记录赠送的防护用品（关联物资采购账目）",
           tag=TAG, body=SupplyIn, response=WorkerDetail, status=201, problems=(404,), path_params=WORKER)
@api.staff(*VISITORS)
def supply(worker_id: str, body: SupplyIn, principal: Principal) -> object:
    return service.record_supply(worker_id, body, principal)
