from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.core.fields import CallPhone
from chalicelib.core.models import HoneypotForm, ResponseModel


class LookupIn(HoneypotForm):
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
                         Field(title="查询编号")]
    phone: Annotated[CallPhone, Field(title="登记时留的电话号码（手机，或热线代登记时留的固定电话）")]


class StatusView(ResponseModel):
    reference: str
    kind_label: str = Field(description="事项类别")
    status: str
    status_label: str
    updated_at: str = Field(description="最近更新时间（UTC）")
    message: str | None = Field(default=None, description="工会给申请人的答复")
    unit_name: str | None = Field(default=None, description="负责办理的工会")


class Submission(ResponseModel):
    reference: str
    kind: str
    created_at: str


class SubmissionPage(ResponseModel):
    items: list[Submission]
    next_cursor: str | None = None
