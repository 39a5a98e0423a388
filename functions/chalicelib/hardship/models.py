from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.core.fields import MULTI_LINE, IdNumber, Message, Name, Phone, Short, Username
from chalicelib.core.models import DemoMarked, RequestModel, ResponseModel

MAX_IMPORT_ROWS = 500


class ImportIn(RequestModel):
    content_base64: Annotated[str, StringConstraints(min_length=4, max_length=60_000,
                                                     pattern=r"^[A-Za-z0-9+/=\s]+$"),
                              Field(title="xlsx 文件（base64）")]


class WorkerIn(RequestModel):
    name: Annotated[Name, Field(title="姓名")]
    id_number: Annotated[IdNumber, Field(title="身份证号")]
    phone: Annotated[Phone, Field(title="手机号码")]
    hardship: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), MULTI_LINE,
                        Field(title="困难情况")]
    contact: Annotated[Username | None, Field(title="联系人（可以担任联系人的工作人员的登录名，可空）")] = None


class CheckIn(RequestModel):
    situation: Annotated[Message, Field(title="家庭困难状况")]
    precautions: Annotated[Message, Field(title="疫情防控措施落实情况")]
    weak_protection: Annotated[bool, Field(title="自身防控能力较弱")] = False


class SupplyIn(RequestModel):
    items: Annotated[Short, Field(title="赠送的防护用品（如口罩 20 只、消毒液 2 瓶）")]
    entry_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z._#-]{4,200}$"),
                        Field(title="对应的物资采购账目编号")]


class Worker(DemoMarked):
    worker_id: str
    unit_id: str
    name: str
    id_masked: str = Field(description="身份证号（已部分隐去）")
    phone: str = Field(description="手机号码（已部分隐去）")
    hardship: str
    contact: str | None = Field(default=None, description="联系人的登录名（给程序用；给人看的是 contact_name）")
    contact_name: str | None = Field(default=None, description="联系人的姓名")
    last_check_at: str | None = None
    supplies_given: int = 0


class ContactChoice(ResponseModel):
    username: str = Field(description="登录名：登记时作为 contact 提交")
    name: str = Field(description="姓名")
    unit_id: str = Field(description="所在单位的编号")
    unit_name: str = Field(description="所在单位")


class ContactChoices(ResponseModel):
    items: list[ContactChoice]


class WorkerPage(ResponseModel):
    items: list[Worker]
    next_cursor: str | None = None


class Check(ResponseModel):
    situation: str
    precautions: str
    weak_protection: bool
    by: str
    by_name: str | None = Field(default=None, description="记录人的姓名")
    at: str


class Supply(ResponseModel):
    items: str
    entry_id: str
    category_label: str | None = None
    by: str
    by_name: str | None = Field(default=None, description="记录人的姓名")
    at: str


class WorkerDetail(Worker):
    checks: list[Check]
    supplies: list[Supply]


class ImportResult(ResponseModel):
    imported: int
    worker_ids: list[str]
