"""Recuperation for frontline medical staff: nominations by units, ranking and decisions by the
city federation, batches and placement through the booking engine."""

from __future__ import annotations

from chalicelib.core import api
from chalicelib.core.auth import Principal
from chalicelib.recuperation import service
from chalicelib.recuperation.models import (
    AdjustIn,
    Batch,
    BatchIn,
    BatchList,
    DecisionIn,
    Nomination,
    NominationIn,
    NominationPage,
    PlaceIn,
    PlacementResult,
    RankingList,
    WithdrawIn,
)
from chalicelib.recuperation.service import CITY, NOMINATE, READ

TAG = "一线人员疗休养"
PERSON = {"person_id": "一线人员档案中的家庭编号"}
UNIT = {"unit_id": "工会组织编号"}
BATCH = {"batch_id": "疗休养批次编号"}


def _query(name: str) -> str | None:
    return dict(api.current_request().query_params or {}).get(name)


@api.route("/staff/recuperation/nominations/{person_id}", "POST", summary="推荐一线人员参加疗休养", tag=TAG,
           body=NominationIn, response=Nomination, status=201, problems=(404,), path_params=PERSON,
           description="爱心蔬菜配送活动结束（疫情防控任务结束）后才能推荐。一线岗位和天数取自档案；"
                       "档案没有一线工作结束日期时可填写天数，否则按配送活动结束日期计算。每人只有一条有效推荐。")
@api.staff(*NOMINATE)
def nominate(person_id: str, body: NominationIn, principal: Principal) -> object:
    return service.nominate(person_id, body, principal)


@api.route("/staff/recuperation/nominations/{person_id}/withdraw", "POST", summary="撤回推荐（安排批次之前）",
           tag=TAG, body=WithdrawIn, response=Nomination, problems=(404,), path_params=PERSON)
@api.staff(*NOMINATE)
def withdraw(person_id: str, body: WithdrawIn, principal: Principal) -> object:
    return service.withdraw(person_id, body, principal)


@api.route("/staff/recuperation/units/{unit_id}/nominations", summary="本单位及下级单位的疗休养推荐和安排情况",
           tag=TAG, response=NominationPage, problems=(404,), path_params=UNIT,
           query_params={"cursor": "上一页返回的 next_cursor"})
@api.staff(*READ)
@api.audit_reads
def unit_nominations(unit_id: str, principal: Principal) -> object:
    return service.unit_nominations(unit_id, _query("cursor"), principal)


@api.route("/staff/recuperation/ranking", summary="全市疗休养推荐按优先顺序排列（市总工会）", tag=TAG,
           response=RankingList,
           query_params={"status": "nominated / approved / declined / withdrawn / placed；"
                                   "不填时为待审核和待安排的推荐"}, description=service.PRIORITY_RULE)
@api.staff(*CITY)
@api.audit_reads
def ranking(principal: Principal) -> object:
    return service.ranking(_query("status"), principal)


@api.route("/staff/recuperation/nominations/{person_id}/priority", "POST", summary="调整优先分（须写明说明）",
           tag=TAG, body=AdjustIn, response=Nomination, problems=(404,), path_params=PERSON)
@api.staff(*CITY)
def adjust(person_id: str, body: AdjustIn, principal: Principal) -> object:
    return service.adjust(person_id, body, principal)


@api.route("/staff/recuperation/nominations/{person_id}/decision", "POST", summary="同意或不同意推荐", tag=TAG,
           body=DecisionIn, response=Nomination, problems=(404,), path_params=PERSON,
           description="不同意时须写明原因。已安排批次或已撤回的推荐不能再审核。")
@api.staff(*CITY)
def decide(person_id: str, body: DecisionIn, principal: Principal) -> object:
    return service.decide(person_id, body, principal)


@api.route("/staff/recuperation/batches", "POST", summary="新建疗休养批次", tag=TAG, body=BatchIn, response=Batch,
           status=201, description="批次是类别为 recuperation 的场次，不在门户公开，只由市总工会安排人员。")
@api.staff(*CITY)
def create_batch(body: BatchIn, principal: Principal) -> object:
    return service.create_batch(body, principal)


@api.route("/staff/recuperation/batches", summary="疗休养批次", tag=TAG, response=BatchList)
@api.staff(*CITY)
def batches(principal: Principal) -> object:
    return service.batches(principal)


@api.route("/staff/recuperation/batches/{batch_id}/placements", "POST",
           summary="按优先顺序把已同意的人员安排进批次", tag=TAG, body=PlaceIn, response=PlacementResult,
           problems=(404,), path_params=BATCH,
           description="不超过批次名额，每人只安排一次；重复提交只安排尚未安排的人。被安排的人获得报名编号，"
                       "可在门户用编号和手机号码查询。")
@api.staff(*CITY)
def place(batch_id: str, body: PlaceIn, principal: Principal) -> object:
    return service.place(batch_id, body, principal)
