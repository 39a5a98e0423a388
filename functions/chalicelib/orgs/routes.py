"""Public view of the union tree (units are public; staff and people are not)."""

from __future__ import annotations

from collections.abc import Mapping

from chalice.app import Blueprint

from chalicelib.core import api
from chalicelib.orgs import service
from chalicelib.orgs.models import Unit, UnitPage

bp = Blueprint(__name__)


@api.route(bp, "/units/{unit_id}", summary="一个工会组织", tag="工会组织", response=Unit, problems=(404,),
           path_params={"unit_id": "工会组织编号"})
def get_unit(unit_id: str) -> object:
    return service.get_unit(unit_id)


@api.route(bp, "/units/{unit_id}/subtree", summary="一个工会组织及其下属全部组织（分页）", tag="工会组织",
           response=UnitPage, problems=(404,), path_params={"unit_id": "工会组织编号"},
           description="查询参数 cursor 为上一页返回的 next_cursor。")
def subtree(unit_id: str) -> object:
    params: Mapping[str, str] = bp.current_request.query_params or {}
    return service.subtree(unit_id, params.get("cursor"))
