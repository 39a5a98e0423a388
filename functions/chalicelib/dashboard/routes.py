"""The city dashboard (notice parts 2 and 3): counts and trends over the caller's subtree."""

from __future__ import annotations

from chalicelib.core import api
from chalicelib.core.auth import Principal
from chalicelib.dashboard import service
from chalicelib.dashboard.models import Dashboard


@api.route("/staff/dashboard/units/{unit_id}", tag="工作看板",
           summary="工作看板：本单位及直属下级的求助、一线家庭、配送、报名数量和趋势", response=Dashboard,
           problems=(404,), path_params={"unit_id": "工会组织编号"},
           description="只有数量，没有任何个人信息。每个单位的数字都包含其下级单位。")
@api.staff(*service.ROLES)
def dashboard(unit_id: str, principal: Principal) -> object:
    return service.dashboard(unit_id, principal)
