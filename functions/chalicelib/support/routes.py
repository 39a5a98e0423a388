"""Support-service requests."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.core import api
from chalicelib.core.auth import Principal
from chalicelib.support import service
from chalicelib.support.models import SupportRequestCreated, SupportRequestIn

bp = Blueprint(__name__)


@api.route(bp, "/support-requests", "POST", summary="提交求助（心理咨询、法律援助、困难帮扶等）", tag="求助服务",
           body=SupportRequestIn, response=SupportRequestCreated, status=201, idempotent=True,
           operation="support.submit",
           description="公开接口，无需登录；合作应用带上凭证调用时记录其渠道。按所填单位或县市区转给负责的工会办理，返回查询编号。")
def submit(body: SupportRequestIn, principal: Principal | None) -> object:
    return service.submit(body, principal)
