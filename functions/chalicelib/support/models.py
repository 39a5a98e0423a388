from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from chalicelib.core.models import SINGLE_LINE, LongText, Phone, PublicForm, ResponseModel
from chalicelib.support.categories import CATEGORIES

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30), SINGLE_LINE]
UnitId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9-]{1,40}$")]


class Frontline(StrEnum):
    no = "no"
    personnel = "personnel"
    family = "family"


class SupportRequestIn(PublicForm):
    category: Annotated[str, Field(title="求助类别", max_length=40)]
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


class SupportRequestCreated(ResponseModel):
    reference: str = Field(description="查询编号，如 ZF7K-3QW9-M")
    status: str
    status_label: str
    unit_name: str = Field(description="负责办理的工会")
    due_at: str = Field(description="应答期限（UTC）")
