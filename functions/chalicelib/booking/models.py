from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from chalicelib.core import labels
from chalicelib.core.fields import (
    MULTI_LINE,
    SINGLE_LINE,
    Capacity,
    Instant,
    Line,
    Name,
    Note,
    Phone,
    Reference,
    Text,
    Title,
    UnitId,
    Version,
)
from chalicelib.core.models import DemoMarked, FieldProblem, PublicForm, RequestModel, ResponseModel


def _online(value: str) -> str:
    if not value.startswith("https://"):
        raise ValueError("线上链接须以 https:// 开头")
    return value


OnlineUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), SINGLE_LINE,
                      AfterValidator(_online)]


class Kind(StrEnum):
    fair = "fair"
    course = "course"
    shuttle = "shuttle"
    recuperation = "recuperation"


KIND_LABELS = labels.SESSION_KIND_LABELS
assert set(KIND_LABELS) == set(Kind)
# Kinds the public portal lists and anyone may register for; other kinds are filled by staff.
LISTED_KINDS = frozenset({Kind.fair, Kind.course, Kind.shuttle})


class SessionIn(RequestModel):
    kind: Annotated[Kind, Field(title="类别")]
    title: Annotated[Title, Field(title="名称")]
    unit_id: Annotated[UnitId, Field(title="主办工会")]
    starts_at: Annotated[Instant, Field(title="开始时间")]
    ends_at: Annotated[Instant, Field(title="结束时间")]
    place: Annotated[Line | None, Field(title="地点")] = None
    online_url: Annotated[OnlineUrl | None, Field(title="线上链接")] = None
    capacity: Annotated[Capacity, Field(title="名额")]
    registration_opens_at: Annotated[Instant | None, Field(title="报名开始时间")] = None
    registration_closes_at: Annotated[Instant | None, Field(title="报名截止时间")] = None
    description: Annotated[Text | None, Field(title="说明")] = None
    contact: Annotated[Line | None, Field(title="咨询电话或联系人")] = None

    @model_validator(mode="after")
    def _consistent(self) -> SessionIn:
        _when_and_where(self)
        closes = self.registration_closes_at
        if closes and self.registration_opens_at and closes <= self.registration_opens_at:
            raise FieldProblem("registration_closes_at", "报名截止时间须晚于报名开始时间")
        return self


def _when_and_where(body: SessionIn | SessionChangeIn) -> None:
    """A session ends after it starts, and takes place somewhere: a place or an online link."""
    if body.ends_at <= body.starts_at:
        raise FieldProblem("ends_at", "结束时间须晚于开始时间")
    if not body.place and not body.online_url:
        raise FieldProblem("place", "请填写地点或线上链接")


class SessionChangeIn(RequestModel):
    """A session's new time and place; everyone holding a seat or a waitlist place is told."""

    version: Version
    starts_at: Annotated[Instant, Field(title="开始时间")]
    ends_at: Annotated[Instant, Field(title="结束时间")]
    place: Annotated[Line | None, Field(title="地点")] = None
    online_url: Annotated[OnlineUrl | None, Field(title="线上链接")] = None

    @model_validator(mode="after")
    def _consistent(self) -> SessionChangeIn:
        _when_and_where(self)
        return self


class SessionCancelIn(RequestModel):
    """A session called off, with the reason the people registered are sent."""

    version: Version
    reason: Annotated[Note, Field(title="取消原因（报名人会收到）")]


class CapacityIn(RequestModel):
    capacity: Annotated[Capacity, Field(title="名额")]


class AttendanceIn(RequestModel):
    attended: Annotated[bool, Field(title="是否到场")]


class RegistrationIn(PublicForm):
    name: Annotated[Name, Field(title="姓名")]
    phone: Annotated[Phone, Field(title="手机号码")]
    note: Annotated[Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), MULTI_LINE] | None,
                    Field(title="备注（如上车地点、想了解的岗位）")] = None


class CancelIn(RequestModel):
    reference: Annotated[Reference, Field(title="报名编号")]
    phone: Annotated[Phone, Field(title="手机号码")]
    website: Annotated[str, Field(max_length=0, title="网址（请留空）")] = ""


class Session(DemoMarked):
    id: str
    kind: str
    kind_label: str
    title: str
    unit_id: str
    unit_name: str
    starts_at: str
    ends_at: str
    place: str | None = None
    online_url: str | None = None
    capacity: int
    confirmed: int
    waitlisted: int
    seats_left: int
    status: str = Field(description="open 开放报名；closed 已停止报名；cancelled 已取消")
    status_label: str
    cancel_reason: str | None = Field(default=None, description="取消原因（已取消的场次）")
    registration_opens_at: str | None = None
    registration_closes_at: str | None = None
    description: str | None = None
    contact: str | None = None
    version: int


class PublicSession(ResponseModel):
    """How a listed session looks on the portal (field names the portal's list renders)."""

    id: str
    kind: str
    kind_label: str
    title: str
    firm_name: str = Field(description="主办单位")
    place: str | None = None
    online: bool
    starts_at: str
    ends_at: str
    capacity: int
    seats_left: int
    waitlisted: int
    open: bool = Field(description="现在能否报名（名额满时报名进入候补）")
    cancelled: bool = Field(default=False, description="场次已取消")
    state_label: str = Field(description="报名状态：开放报名、已停止报名、已取消")
    cancel_reason: str | None = Field(default=None, description="取消原因（已取消的场次）")
    registration_closes_at: str | None = None
    contact: str | None = None
    description: str | None = None


class PublicSessionPage(ResponseModel):
    items: list[PublicSession]
    next_cursor: str | None = None


class SessionPage(ResponseModel):
    items: list[Session]
    next_cursor: str | None = None


class SessionHistoryEntry(ResponseModel):
    action: str
    action_label: str
    actor: str
    actor_name: str | None = Field(default=None, description="办理人的姓名")
    at: str
    detail: str | None = Field(default=None, description="改了什么（新的名额、时间地点、取消原因）")


class SessionHistory(ResponseModel):
    items: list[SessionHistoryEntry]


class Registered(ResponseModel):
    reference: str = Field(description="报名编号，查询和取消时要用")
    session_id: str
    session_title: str
    status: str = Field(description="confirmed 已确认名额；waitlisted 候补")
    status_label: str
    waitlist_position: int | None = Field(default=None, description="候补第几位")
    starts_at: str
    place: str | None = None
    online_url: str | None = None


class Cancelled(ResponseModel):
    reference: str
    status: str
    status_label: str
    promoted: str | None = Field(default=None, description="因此递补为确认的报名编号（仅工作人员可见）")


class Registration(ResponseModel):
    reference: str
    name: str
    phone: str = Field(description="手机号码；只读角色看到的是部分隐去的号码")
    status: str
    status_label: str
    waitlist_position: int | None = None
    channel: str
    created_at: str
    attended: bool | None = None
    note: str | None = None


class RegistrationPage(ResponseModel):
    items: list[Registration]
    next_cursor: str | None = None


class Export(ResponseModel):
    filename: str
    content_type: str
    content_base64: str = Field(description="xlsx 文件内容，base64 编码")
    rows: int
