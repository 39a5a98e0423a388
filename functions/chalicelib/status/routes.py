"""Status look-up by reference + phone (a POST, so the phone never appears in a URL)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.core import api
from chalicelib.status import service
from chalicelib.status.models import LookupIn, StatusView

bp = Blueprint(__name__)


@api.route(bp, "/status/lookup", "POST", summary="凭查询编号和手机号码查看办理进度", tag="进度查询",
           body=LookupIn, response=StatusView, problems=(404,))
def lookup(body: LookupIn) -> object:
    return service.lookup(body)
