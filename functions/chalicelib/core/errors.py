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


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem a client can receive: its `type` is `/problems/<code>`."""

    status: int
    title: str
    retry: str  # "no": change the request or ask a person; "same": send the same request again
    #             (same Idempotency-Key) after Retry-After or a short pause; "reread": read the record
    #             again and decide on its new state
    description: str


def _t(status: int, title: str, retry: str, description: str) -> ProblemType:
    return ProblemType(status, title, retry, description)


# Every problem the API answers has one of these types; tests enumerate the raises and every answer.
CATALOGUE: dict[str, ProblemType] = {
    "validation": _t(400, "提交的内容有误", "no",
                     "一个或多个字段不合要求，errors 列表逐项列出字段和原因；什么都没有保存。"),
    "bad-request": _t(400, "请求无法处理", "no", "请求本身不合要求（如不是 JSON、游标无效、参数不认识）。"),
    "unauthorized": _t(401, "需要登录", "no", "没有凭证，或凭证无效、过期、已被吊销。"),
    "forbidden": _t(403, "没有权限", "no", "账号的角色或合作应用获准的操作不包括这项操作。"),
    "mfa-required": _t(403, "需要先绑定动态验证码", "no",
                       "市总管理员和财务人员须先用手机验证器绑定动态验证码（POST /api/me/mfa 确认）才能继续。"),
    "not-found": _t(404, "未找到", "no", "记录不存在，或不在调用方的单位范围内（两者答复相同）。"),
    "method": _t(405, "不支持的请求方法", "no", "该路径不支持这种请求方法。"),
    "conflict": _t(409, "与现有记录冲突", "no", "与已有记录冲突，detail 说明原因。"),
    "version-conflict": _t(409, "记录已被他人修改", "reread",
                           "记录在读取之后被他人修改；重新读取，按新的版本决定是否再改。"),
    "in-progress": _t(409, "相同的请求正在处理中", "same",
                      "同一 Idempotency-Key 的请求还在处理；稍候用同一个编号重试，得到第一次的结果。"),
    "booking-retry": _t(409, "名额状态刚刚变化", "same",
                        "报名或取消时名额正被大量同时改动，系统重试后仍未完成；稍候用同一个编号重试。"),
    "reference-collision": _t(409, "编号冲突", "same",
                              "新生成的编号恰好已被使用；用同一个 Idempotency-Key 重试即可。"),
    "session-full": _t(409, "名额已满", "no", "场次名额已满，且不设候补。"),
    "session-closed": _t(409, "不在报名时间内", "no", "场次尚未开始报名、已截止、已停止报名或已结束。"),
    "already-registered": _t(409, "已经报过名", "no", "这个手机号码已经报名了这个场次（每人一个名额）。"),
    "already-cancelled": _t(409, "报名已经取消", "no", "这个报名已经取消过了。"),
    "not-confirmed": _t(409, "报名不是已确认状态", "reread", "只有已确认名额的报名才能登记到场。"),
    "already-delivered": _t(409, "已确认送达", "no", "这份爱心蔬菜已确认送达，不能再更改。"),
    "already-erased": _t(409, "个人信息已经清除", "no", "这条记录的个人信息已经清除。"),
    "already-nominated": _t(409, "已经推荐过", "no", "这位一线人员已有一条有效的疗休养推荐。"),
    "nomination-state": _t(409, "推荐状态不允许此操作", "reread", "疗休养推荐当前的状态不允许这项操作。"),
    "already-reversed": _t(409, "已经冲正过", "no", "这笔账目已经冲正过，不能再次冲正。"),
    "not-reversible": _t(409, "不能冲正", "no", "只有支出和拨付可以冲正。"),
    "entry-exists": _t(409, "账目已经记录", "no", "这条账目已经记录过，不能重复记账。"),
    "fund-insufficient": _t(409, "专项资金余额不足", "no", "余额不够这笔支出或拨付，或专项资金尚未设立。"),
    "hold-changed": _t(409, "资金预留正在结算", "same", "另一次运行正在结算同一笔资金预留；稍后重试。"),
    "no-campaign": _t(409, "没有进行中的配送活动", "no", "目前没有进行中的爱心蔬菜配送活动。"),
    "over-cap": _t(409, "超过每份上限", "no", "每份价格超过了活动的每份上限。"),
    "package-exists": _t(409, "本周已配送", "no", "这个家庭本周的爱心蔬菜已经生成。"),
    "campaign-not-ended": _t(409, "疫情防控任务尚未结束", "no", "疫情防控任务结束后才能推荐疗休养人员。"),
    "chunk-done": _t(409, "这部分已经导入", "no", "导入文件的这一部分已经导入过。"),
    "contact-exists": _t(409, "联系人已经登记", "no", "这位联系人已经登记过。"),
    "frontline-exists": _t(409, "一线人员已经登记", "no", "本院档案中已有这个身份证号码的一线人员。"),
    "invalid-transition": _t(409, "状态不能这样变更", "reread", "求助当前的状态不能变更为所请求的状态。"),
    "finished": _t(409, "求助已经办结", "no", "已办结的求助不能改派或指派。"),
    "counsellor-busy": _t(409, "心理咨询师还有未办结的求助", "no",
                          "先把这位心理咨询师的求助改派给其他咨询师，再把他移出咨询师库。"),
    "same-unit": _t(409, "已由该单位办理", "no", "求助已由这个单位办理。"),
    "firm-exists": _t(409, "单位已经登记", "no", "这家单位已经登记过。"),
    "firm-not-approved": _t(409, "单位尚未审核通过", "no", "请先审核通过这家单位，再发布它的岗位。"),
    "firm-rejected": _t(409, "单位登记未通过审核", "no", "单位登记未通过审核，不能发布岗位。"),
    "already-reviewed": _t(409, "已经审核过", "no", "这项登记已经审核过了。"),
    "report-locked": _t(409, "报送不能再修改", "no", "报送已提交或已审核，不能再修改或添加照片。"),
    "report-status": _t(409, "报送状态不允许此操作", "reread", "报送当前的状态不允许这项操作。"),
    "unit-exists": _t(409, "组织代码已被使用", "no", "这个组织代码已被使用。"),
    "username-taken": _t(409, "登录名已被使用", "no", "这个登录名已被使用。"),
    "served-this-week": _t(409, "本周已由其他活动配送", "no",
                           "这个家庭这一周已经由另一个配送活动送过爱心蔬菜（每个家庭每周一份）。"),
    "erased": _t(409, "个人信息已按本人要求删除", "no", "这条记录的个人信息已按本人要求删除，不能再登记新的信息。"),
    "mfa-not-enrolled": _t(409, "验证器尚未绑定", "reread",
                           "Cognito 中还没有这个账号已确认的动态验证码；完成绑定后再确认。"),
    "self-disable": _t(409, "不能停用自己", "no", "管理员不能停用自己的账号。"),
    "payload-too-large": _t(413, "提交的内容过大", "no", "请求内容超过了大小上限。"),
    "unsupported-media-type": _t(415, "不支持的内容类型", "no", "请以 application/json（UTF-8）格式提交。"),
    "idempotency-mismatch": _t(422, "重复的请求编号", "no",
                               "这个 Idempotency-Key 已用于另一份不同的内容；新的填写请生成新的编号。"),
    "rate-limited": _t(429, "提交太频繁", "same", "提交次数超过限额；按 Retry-After 的秒数等待后再试。"),
    "internal": _t(500, "系统内部错误", "same", "处理时出错；稍后用同一个 Idempotency-Key 重试，不会重复登记。"),
    "unavailable": _t(503, "服务暂时不可用", "same",
                      "系统繁忙或数据库暂时不可用，请求没有被保存；按 Retry-After 等待后用同一个编号重试。"),
}


def type_uri(code: str) -> str:
    return f"/problems/{code}"


def _problem(code: str, detail: str = "", **kw: Any) -> ProblemError:
    kind = CATALOGUE[code]
    return ProblemError(status=kind.status, title=kind.title, detail=detail, code=type_uri(code), **kw)


def validation_failed(errors: list[FieldError], detail: str = "请按提示修改标出的内容后再提交。") -> ProblemError:
    return _problem("validation", detail, errors=errors)


def bad_request(detail: str, field_name: str | None = None) -> ProblemError:
    errors = [FieldError(field_name, detail)] if field_name else []
    return _problem("bad-request", detail, errors=errors)


def unauthorized(detail: str = "请先登录。") -> ProblemError:
    return _problem("unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def forbidden(detail: str = "您的账号没有进行此操作的权限。") -> ProblemError:
    return _problem("forbidden", detail)


def mfa_required() -> ProblemError:
    return _problem("mfa-required",
                    "市总管理员和财务人员须用手机验证器（动态验证码）登录。请回到工作人员登录页，"
                    "按提示用验证器应用扫描二维码并输入 6 位动态码，完成绑定后即可继续使用。")


def not_found(detail: str = "未找到该记录。") -> ProblemError:
    return _problem("not-found", detail)


def conflict(detail: str, code: str = "conflict") -> ProblemError:
    """A 409 of a catalogued type (its title comes from the catalogue, the detail says what happened)."""
    return _problem(code, detail)


def version_conflict() -> ProblemError:
    return _problem("version-conflict", "这条记录在您打开之后已被其他人修改，请刷新后再操作。")


def payload_too_large(limit: int) -> ProblemError:
    return _problem("payload-too-large", f"请求内容不能超过 {limit // 1024} KB。")


def unsupported_media_type() -> ProblemError:
    return _problem("unsupported-media-type", "请以 application/json（UTF-8）格式提交。")


def rate_limited(retry_after: int) -> ProblemError:
    hotline = os.environ.get("WS_HOTLINE", "")
    urgent = f"如有急事请拨打职工热线 {hotline}。" if hotline else ""
    return _problem(
        "rate-limited",
        f"您的提交次数过多，请稍等一会儿再试。{urgent}",
        headers={"Retry-After": str(retry_after)},
    )


def unavailable(detail: str = "系统繁忙，请稍后再试。您的请求没有被保存。") -> ProblemError:
    return _problem("unavailable", detail, headers={"Retry-After": "2"})


def internal_error() -> ProblemError:
    return _problem("internal", "处理您的请求时出错，请稍后再试。")
