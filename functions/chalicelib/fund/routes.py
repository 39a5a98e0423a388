"""The epidemic special fund: budgets, allocations, the ledger and reports (notice part 2.1)."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.core import api, errors, times, xlsx
from chalicelib.core.auth import Principal
from chalicelib.fund import reports, service
from chalicelib.fund.models import (
    Account,
    Allocation,
    AllocationIn,
    BudgetIn,
    CategoryList,
    Entry,
    EntryPage,
    Export,
    Report,
    ReverseIn,
    SpendIn,
)

TAG = "防控专项资金"
UNIT = {"unit_id": "工会组织编号"}
YEAR = {"year": "预算年度，默认为今年"}


def _params() -> Mapping[str, str]:
    return api.current_request().query_params or {}


def _year() -> int:
    value = _params().get("year")
    if value is None:
        return times.today().year
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise errors.bad_request("预算年度应为 2000 到 2100 之间的年份。", "year")
    return int(value)


@api.route("/fund/categories", summary="专项资金支出类别及各类工会的使用范围", tag=TAG, response=CategoryList)
def categories() -> object:
    return service.list_categories()


@api.route("/fund/units/{unit_id}/account", summary="一个单位的专项资金账户", tag=TAG, response=Account,
           problems=(404,), path_params=UNIT, query_params=YEAR)
@api.staff(*service.READ_ROLES)
def account(unit_id: str, principal: Principal) -> object:
    return service.account(unit_id, _year(), principal)


@api.route("/fund/units/{unit_id}/budget", "PUT", summary="设立或调整防控专项资金（纳入年度收支预算）", tag=TAG,
           body=BudgetIn, response=Account, problems=(404,), path_params=UNIT)
@api.staff(*service.WRITE_ROLES)
def set_budget(unit_id: str, body: BudgetIn, principal: Principal) -> object:
    return service.set_budget(unit_id, body, principal)


@api.route("/fund/allocations", "POST", summary="向直属下级工会拨付专项资金", tag=TAG, body=AllocationIn,
           response=Allocation, status=201, problems=(404,))
@api.staff(*service.WRITE_ROLES)
def allocate(body: AllocationIn, principal: Principal) -> object:
    return service.allocate(body, principal)


@api.route("/fund/spends", "POST", summary="记录一笔专项资金支出", tag=TAG, body=SpendIn, response=Entry,
           status=201, problems=(404,),
           description="余额不足时答复 409，什么也不记录。"
                       "基层工会只能用于本单位一线人员及其直系亲属的慰问和购买防疫物资。")
@api.staff(*service.WRITE_ROLES)
def spend(body: SpendIn, principal: Principal) -> object:
    return service.record_spend(body, principal)


@api.route("/fund/entries/{entry_id}", summary="一条账目", tag=TAG, response=Entry, problems=(404,),
           path_params={"entry_id": "账目编号"})
@api.staff(*service.READ_ROLES)
def entry(entry_id: str, principal: Principal) -> object:
    return service.get_entry(entry_id, principal)


@api.route("/fund/entries/{entry_id}/reverse", "POST", summary="冲正一条账目（不修改原账目）", tag=TAG,
           body=ReverseIn, response=Entry, status=201, problems=(404,), path_params={"entry_id": "账目编号"})
@api.staff(*service.WRITE_ROLES)
def reverse(entry_id: str, body: ReverseIn, principal: Principal) -> object:
    return service.reverse(entry_id, body, principal)


@api.route("/fund/units/{unit_id}/ledger", summary="一个单位的专项资金明细账（新的在前，分页）", tag=TAG,
           response=EntryPage, problems=(404,), path_params=UNIT,
           query_params={**YEAR, "cursor": "上一页返回的 next_cursor"})
@api.staff(*service.READ_ROLES)
def ledger(unit_id: str, principal: Principal) -> object:
    return service.ledger(unit_id, _year(), _params().get("cursor"), principal)


@api.route("/fund/units/{unit_id}/report", summary="本单位及下级的余额和分类支出、一线占比", tag=TAG,
           response=Report, problems=(404,), path_params=UNIT,
           query_params={**YEAR, "cursor": "上一页返回的 next_cursor"})
@api.staff(*service.READ_ROLES)
def report(unit_id: str, principal: Principal) -> object:
    return reports.report(unit_id, _year(), _params().get("cursor"), principal)


@api.route("/fund/units/{unit_id}/report/export", summary="导出专项资金报表（xlsx）", tag=TAG, response=Export,
           media_types=(xlsx.MEDIA_TYPE,), problems=(404,), path_params=UNIT, query_params=YEAR)
@api.staff(*service.READ_ROLES)
def export(unit_id: str, principal: Principal) -> object:
    return reports.export(unit_id, _year(), principal)
