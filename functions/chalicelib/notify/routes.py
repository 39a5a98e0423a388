"""The public opt-out of text messages (the stream and release handlers: events.py)."""

from __future__ import annotations

from chalicelib.core import api
from chalicelib.notify import service
from chalicelib.notify.models import OptOutIn, OptOutView


@api.route("/messages/opt-out", "POST", summary="凭查询编号和手机号码退订短信通知", tag="进度查询",
           body=OptOutIn, response=OptOutView, problems=(404,))
@api.public(operation="status.lookup")
def opt_out(body: OptOutIn) -> object:
    return OptOutView(**service.opt_out(body.reference, body.phone))
