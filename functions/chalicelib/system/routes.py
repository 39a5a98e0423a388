"""System routes: health and the OpenAPI description."""

from __future__ import annotations

import functools
from typing import Any

from chalicelib.core import api, openapi
from chalicelib.core.http import json_response
from chalicelib.system import service
from chalicelib.system.models import Health


@api.route("/health", summary="服务状态：数据库引擎与数据表是否可用", tag="系统", response=Health,
           model_statuses=(503,))
def health() -> object:
    report = service.check()
    return json_response(report, 200 if report.status == "ok" else 503)


@api.route("/openapi.json", summary="本接口的 OpenAPI 3.1 描述", tag="系统")
def openapi_json() -> object:
    return json_response(_description(), headers={"Cache-Control": "public, max-age=300"})


@functools.cache
def _description() -> dict[str, Any]:
    """The routes are all declared when the app is imported: the description is made once per process."""
    return openapi.generate()
