"""Status look-up by reference + phone (a POST, so the phone never appears in a URL), and a
partner app's read-back of what it submitted."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.core import api
from chalicelib.core.auth import Principal
from chalicelib.status import service
from chalicelib.status.models import LookupIn, StatusView, SubmissionPage


@api.route("/status/lookup", "POST", summary="凭查询编号和手机号码查看办理进度", tag="进度查询", body=LookupIn,
           response=StatusView, problems=(404,))
@api.public(operation="status.lookup")
@api.lookup
def lookup(body: LookupIn) -> object:
    return service.lookup(body)


@api.route("/partner/submissions", summary="本合作应用提交过的事项（分页，新的在前）", tag="合作应用",
           response=SubmissionPage, query_params={"cursor": "上一页返回的 next_cursor"})
@api.partner()
def partner_submissions(principal: Principal) -> object:
    params: Mapping[str, str] = api.current_request().query_params or {}
    return service.partner_submissions(params.get("cursor"), principal)


@api.route("/partner/submissions/{reference}", summary="本合作应用提交的一件事项的办理进度", tag="合作应用",
           response=StatusView, problems=(404,), path_params={"reference": "查询编号"})
@api.partner()
def partner_submission(reference: str, principal: Principal) -> object:
    return service.partner_view(reference, principal)
