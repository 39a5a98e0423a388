from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from chalicelib.core.fields import SINGLE_LINE, CallPhone, LongText, Message, Name, Phone, UnitId, Username, Version
from chalicelib.core.models import DemoMarked, PublicForm, RequestModel, ResponseModel
from chalicelib.support.categories import CATEGORIES


class Frontline(StrEnum):
    no = "no"
    personnel = "personnel"
    family = "family"


class Status(StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    in_progress = "in_progress"
    callback = "callback"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"


class _RequestFields(RequestModel):
    """What a request holds, whoever takes it down."""

    # The categories are configuration (support/categories.py): published as the schema's enum.
    category: Annotated[str, Field(title="求助类别", max_length=40, json_schema_extra={"enum": list(CATEGORIES)})]
    description: Annotated[LongText, Field(title="需要什么帮助")]
    name: Annotated[Name, Field(title="姓名")]
    phone: Annotated[Phone, Field(title="手机号码")]
    relation: Annotated[Name | None, Field(title="与求助人的关系（替他人求助时填写）")] = None
    county_unit_id: Annotated[UnitId, Field(title="所在县市区")]
    unit_id: Annotated[UnitId | None, Field(title="所在单位的工会")] = None
    frontline: Annotated[Frontline, Field(title="是否为一线人员或其家属")] = Frontline.no
    contact_time: Annotated[Name | None, Field(title="方便联系的时间")] = None

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError("不是可选的类别")
        return value


class SupportRequestIn(PublicForm, _RequestFields):
    """A request from the portal or a partner app (honeypot and written consent)."""


class ContactRecordedIn(_RequestFields):
    """A request a one-to-one contact person records for a family they look after (consent given orally
    to the contact person)."""

    consent_version: Literal["contact-oral"] = "contact-oral"


class HotlineIntakeIn(_RequestFields):
    """A call to the hotline, typed in by the operator: a caller with only a landline gives it with its
    area code (no text message goes to a landline)."""

    phone: Annotated[CallPhone, Field(title="来电人电话（手机或带区号的固定电话）")]
    consent: Annotated[bool, Field(title="来电人同意登记个人信息")]

    @field_validator("consent")
    @classmethod
    def _must_consent(cls, value: bool) -> bool:
        if not value:
            raise ValueError("须征得来电人同意后才能登记")
        return value


class SupportRequestCreated(ResponseModel):
    reference: str = Field(description="查询编号，如 ZF7K-3QW9-M")
    status: str
    status_label: str
    unit_name: str = Field(description="负责办理的工会")
    due_at: str = Field(description="应答期限（UTC）")


class TransitionIn(RequestModel):
    to: Annotated[Status, Field(title="变更为")]
    version: Version
    outcome: Annotated[Message | None, Field(title="办理结果（办结或关闭时填写）")] = None
    reason: Annotated[Message | None, Field(title="不予受理的理由")] = None
    public_message: Annotated[Message | None, Field(title="给求助人的答复")] = None


class NoteIn(RequestModel):
    text: Annotated[Message, Field(title="备注")]


class AssignIn(RequestModel):
    unit_id: Annotated[UnitId, Field(title="改派到的工会")]
    version: Version
    reason: Annotated[Message | None, Field(title="改派原因")] = None


class CounsellorAssignIn(RequestModel):
    username: Annotated[Username | None, Field(title="心理咨询师（留空为取消指派）")] = None
    version: Version


class CounsellorIn(RequestModel):
    username: Annotated[Username, Field(title="登录名")]
    name: Annotated[Name, Field(title="姓名")]
    qualification: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                             SINGLE_LINE, Field(title="资质")]
    availability: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                            SINGLE_LINE, Field(title="可接待时间")]
    active: Annotated[bool, Field(title="在岗")] = True


class CallerLookupIn(RequestModel):
    phone: Annotated[CallPhone, Field(title="来电号码")]


class QueueItem(DemoMarked):
    reference: str
    category: str
    category_label: str
    status: str
    status_label: str
    name: str = Field(description="求助人（已部分隐去）")
    phone: str = Field(description="手机号码（已部分隐去）")
    unit_id: str
    unit_name: str | None = Field(default=None, description="负责办理的工会名称")
    channel: str
    frontline: str
    created_at: str
    due_at: str
    overdue: bool
    version: int
    counsellor: str | None = None
    callback_attempts: int = 0


class QueuePage(ResponseModel):
    items: list[QueueItem]
    next_cursor: str | None = None


class Note(ResponseModel):
    text: str
    author: str
    author_name: str | None = Field(default=None, description="写备注的人的姓名")
    at: str


class HistoryEntry(ResponseModel):
    action: str
    action_label: str
    actor: str
    actor_name: str | None = Field(default=None, description="办理人的姓名")
    at: str
    status: str | None = None
    unit_id: str | None = None
    unit_name: str | None = Field(default=None, description="改派到的工会名称")
    counsellor: str | None = None
    counsellor_name: str | None = Field(default=None, description="指派的心理咨询师的姓名")


class RequestDetail(DemoMarked):
    reference: str
    category: str
    category_label: str
    description: str
    name: str
    phone: str = Field(description="手机号码；只读角色看到的是部分隐去的号码")
    relation: str | None = None
    county_unit_id: str
    unit_id: str
    unit_name: str
    frontline: str
    contact_time: str | None = None
    channel: str
    operator: str | None = Field(default=None, description="记录来电的热线接线员")
    operator_name: str | None = Field(default=None, description="登记来电的热线接线员的姓名")
    status: str
    status_label: str
    version: int
    created_at: str
    updated_at: str
    due_at: str
    overdue: bool
    counsellor: str | None = None
    counsellor_name: str | None = Field(default=None, description="心理咨询师的姓名")
    callback_attempts: int = 0
    outcome: str | None = None
    reason: str | None = None
    public_message: str | None = None
    allowed_transitions: list[str] = Field(description="当前状态可变更为")
    notes: list[Note]
    history: list[HistoryEntry]


class CategoryCount(ResponseModel):
    category: str
    category_label: str
    total: int
    open: int
    by_status: dict[str, int]


class RollupRow(ResponseModel):
    unit_id: str
    unit_name: str
    depth: int
    total: int
    open: int
    categories: list[CategoryCount]


class RollupPage(ResponseModel):
    items: list[RollupRow] = Field(description="本单位及下级单位，各单位的数字含其下级")
    next_cursor: str | None = None


class Counsellor(ResponseModel):
    username: str
    name: str
    qualification: str
    availability: str
    active: bool
    open_cases: int


class CounsellorList(ResponseModel):
    items: list[Counsellor]


class CallerRequest(ResponseModel):
    reference: str
    category_label: str
    status_label: str
    created_at: str
    unit_name: str
    phone: str = Field(description="手机号码（已部分隐去）")


class CallerHistory(ResponseModel):
    phone: str = Field(description="手机号码（已部分隐去）")
    items: list[CallerRequest]


class Export(ResponseModel):
    filename: str
    content_type: str
    content_base64: str = Field(description="xlsx 文件内容，base64 编码")
    rows: int
