"""RFC 9457 problem+json errors with Chinese titles and per-field messages."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from chalice.app import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class ProblemError(Exception):
    """An error answered to the client as problem+json. Raise it anywhere in a request path."""

    status: int
    title: str
    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    code: str = "about:blank"
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.title)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.code, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return body

    def to_response(self) -> Response:
        return problem_response(self.status, self.body(), self.headers)


def problem_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": PROBLEM_CONTENT_TYPE, **(headers or {})},
    )


def _problem(status: int, code: str, title: str, detail: str = "", **kw: Any) -> ProblemError:
    return ProblemError(status=status, title=title, detail=detail, code=f"/problems/{code}", **kw)


def validation_failed(errors: list[FieldError], detail: str = "请按提示修改标出的内容后再提交。") -> ProblemError:
    return _problem(400, "validation", "提交的内容有误", detail, errors=errors)


def bad_request(detail: str, field_name: str | None = None) -> ProblemError:
    errors = [FieldError(field_name, detail)] if field_name else []
    return _problem(400, "bad-request", "请求无法处理", detail, errors=errors)


def unauthorized(detail: str = "请先登录。") -> ProblemError:
    return _problem(401, "unauthorized", "需要登录", detail, headers={"WWW-Authenticate": "Bearer"})


def forbidden(detail: str = "您的账号没有进行此操作的权限。") -> ProblemError:
    return _problem(403, "forbidden", "没有权限", detail)


def mfa_required() -> ProblemError:
    return _problem(403, "mfa-required", "需要先绑定动态验证码",
                    "市总管理员和财务人员须用手机验证器（动态验证码）登录。请回到工作人员登录页，"
                    "按提示用验证器应用扫描二维码并输入 6 位动态码，完成绑定后即可继续使用。")


def not_found(detail: str = "未找到该记录。") -> ProblemError:
    return _problem(404, "not-found", "未找到", detail)


def conflict(detail: str, code: str = "conflict") -> ProblemError:
    return _problem(409, code, "与现有记录冲突", detail)


def version_conflict() -> ProblemError:
    return _problem(
        409, "version-conflict", "记录已被他人修改", "这条记录在您打开之后已被其他人修改，请刷新后再操作。"
    )


def payload_too_large(limit: int) -> ProblemError:
    return _problem(413, "payload-too-large", "提交的内容过大", f"请求内容不能超过 {limit // 1024} KB。")


def unsupported_media_type() -> ProblemError:
    return _problem(
        415, "unsupported-media-type", "不支持的内容类型", "请以 application/json（UTF-8）格式提交。"
    )


def rate_limited(retry_after: int) -> ProblemError:
    hotline = os.environ.get("WS_HOTLINE", "")
    urgent = f"如有急事请拨打职工热线 {hotline}。" if hotline else ""
    return _problem(
        429,
        "rate-limited",
        "提交太频繁",
        f"您的提交次数过多，请稍等一会儿再试。{urgent}",
        headers={"Retry-After": str(retry_after)},
    )


def unavailable(detail: str = "系统繁忙，请稍后再试。您的请求没有被保存。") -> ProblemError:
    return _problem(503, "unavailable", "服务暂时不可用", detail, headers={"Retry-After": "2"})


def internal_error() -> ProblemError:
    return _problem(500, "internal", "系统内部错误", "处理您的请求时出错，请稍后再试。")
