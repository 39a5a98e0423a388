from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from chalicelib.core.models import RequestModel, ResponseModel
from chalicelib.status.models import LookupIn


class MyDataIn(LookupIn):
    pass


class EraseIn(LookupIn):
    confirm: Annotated[bool, Field(title="确认删除")]


class HeldRecord(ResponseModel):
    kind: str = Field(description="记录类型代码")
    label: str = Field(description="记录类别")
    fields: dict[str, str] = Field(description="这条记录保存的个人信息")
    anonymised: bool = Field(description="个人信息是否已清除")


class MyData(ResponseModel):
    reference: str
    label: str = Field(description="记录类别")
    fields: dict[str, str] = Field(description="本记录保存的个人信息")
    anonymised: bool = Field(description="个人信息是否已清除")
    records: list[HeldRecord] = Field(description="保存的与本人有关的全部记录（本记录在前），删除时一并清除")


class Erased(ResponseModel):
    reference: str
    anonymised_at: str


class PolicyIn(RequestModel):
    epidemic_ended_on: Annotated[dt.date | None, Field(title="疫情防控任务结束日期")] = None
    retention_days: Annotated[int, Field(title="结束后保留天数", ge=0, le=3650)]


class Policy(ResponseModel):
    epidemic_ended_on: str | None = None
    retention_days: int
    purge_after: str | None = Field(default=None, description="自该日起清除个人信息")
