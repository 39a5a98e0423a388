from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from chalicelib.core import labels
from chalicelib.core.fields import Address, IdNumber, Message, Name, Phone, Short, Username, Version
from chalicelib.core.models import DemoMarked, FieldProblem, RequestModel, ResponseModel
from chalicelib.core.personal import REGISTERED_ELSEWHERE


class Deployment(StrEnum):
    fever_clinic = "fever_clinic"
    isolation_ward = "isolation_ward"
    aid_team = "aid_team"
    icu = "icu"
    screening = "screening"
    other = "other"


DEPLOYMENT_LABELS = labels.DEPLOYMENT_LABELS
assert set(DEPLOYMENT_LABELS) == set(Deployment)


class PersonIn(RequestModel):
    name: Annotated[Name, Field(title="姓名")]
    id_number: Annotated[IdNumber, Field(title="身份证号码")]
    phone: Annotated[Phone, Field(title="手机号码")]
    department: Annotated[Short, Field(title="科室")]
    role: Annotated[Short, Field(title="职务或岗位（如医生、护士）")]
    deployment: Annotated[Deployment, Field(title="一线岗位")]
    period_start: Annotated[date, Field(title="一线工作开始日期")]
    period_end: Annotated[date | None, Field(title="一线工作结束日期")] = None

    @model_validator(mode="after")
    def _period(self) -> PersonIn:
        if self.period_end is not None and self.period_end < self.period_start:
            raise FieldProblem("period_end", "一线工作结束日期不能早于开始日期")
        return self


class MemberIn(RequestModel):
    name: Annotated[Name, Field(title="家属姓名")]
    relation: Annotated[Name, Field(title="与一线人员的关系")]
    age: Annotated[int, Field(title="年龄", ge=0, le=120)]
    needs: Annotated[Message, Field(title="需要的照顾")]
    address: Annotated[Address, Field(title="居住地址")]


class Member(ResponseModel):
    id: str
    name: str
    relation: str
    age: int | None = Field(description="年龄（家属的个人信息已按本人要求删除时为空）")
    needs: str
    address: str


ELSEWHERE = REGISTERED_ELSEWHERE


class Duplicate(ResponseModel):
    """Another household with the same ID number. Inside the caller's subtree it names the unit and
    the household; outside it only says so (note), with no unit, person or reference."""

    unit_id: str | None = None
    unit_name: str | None = None
    person_id: str | None = None
    note: str | None = Field(default=None, description=f"在本单位及下级以外登记时为「{ELSEWHERE}」，不给出单位和编号")


class DuplicateRecord(ResponseModel):
    unit_id: str
    unit_name: str
    person_id: str
    name: str
    created_at: str


class DuplicateGroup(ResponseModel):
    id_masked: str = Field(description="隐去中间位的身份证号码")
    records: list[DuplicateRecord] = Field(description="本单位及下级登记的同一身份证号码")
    note: str | None = Field(default=None, description=f"还在本单位及下级以外登记时为「{ELSEWHERE}」")


class DuplicateGroupPage(ResponseModel):
    items: list[DuplicateGroup]
    next_cursor: str | None = None


class PersonOut(DemoMarked):
    id: str = Field(description="家庭编号（也是家庭在门户登记爱心蔬菜时用的查询编号）")
    unit_id: str
    unit_name: str
    name: str
    id_masked: str
    phone: str = Field(description="手机号码（列表中已部分隐去）")
    department: str
    role: str
    deployment: str
    deployment_label: str
    period_start: str
    period_end: str | None = None
    contact_person: str | None = None
    contact_person_name: str | None = None
    duplicates: list[Duplicate] = Field(default_factory=list,
                                      description="其他医院登记的同一身份证号码（本单位及下级以外的只给出提示）")
    version: int
    created_at: str


class PersonDetail(PersonOut):
    members: list[Member]


class PersonPage(ResponseModel):
    items: list[PersonOut]
    next_cursor: str | None = None


class UnitCount(ResponseModel):
    unit_id: str
    unit_name: str
    kind_label: str
    depth: int
    persons: int = Field(description="本单位及下级单位的一线人员数")
    members: int = Field(description="登记的无法照顾的家属数")
    covered: int = Field(description="已配备联系人的家庭数")
    uncovered: int = Field(description="尚未配备联系人的家庭数")
    duplicates: int = Field(description="与其他医院重复登记的人数")


class RollupPage(ResponseModel):
    items: list[UnitCount]
    next_cursor: str | None = None


class ImportIn(RequestModel):
    content_base64: Annotated[str, StringConstraints(min_length=4, max_length=90_000),
                              Field(title="xlsx 文件内容（base64）")]


class ImportRowError(ResponseModel):
    sheet: str
    row: int
    field: str
    message: str


class ImportResult(ResponseModel):
    import_id: str
    ok: bool
    persons: int
    members: int
    errors: list[ImportRowError]
    duplicates: list[str] = Field(default_factory=list, description="与其他医院重复登记的家庭编号")
    existing: int = Field(default=0, description="已在本院档案中的一线人员户数（不重复登记，只补充文件中的新家属）")


class FileOut(ResponseModel):
    filename: str
    content_base64: str


class ImportCheck(ResponseModel):
    ok: bool = Field(description="文件可以导入时为 true")
    errors: list[ImportRowError] = Field(description="需要修改的地方（最多 200 处）")
    report: FileOut | None = Field(default=None, description="有问题时的错误报告（xlsx，base64）：逐行标出问题")


class ContactKind(StrEnum):
    cadre = "cadre"
    activist = "activist"
    volunteer = "volunteer"


CONTACT_KIND_LABELS = labels.CONTACT_KIND_LABELS


class ContactIn(RequestModel):
    username: Annotated[Username, Field(title="联系人的登录名（角色为一对一联系人的工作人员账号）")]
    name: Annotated[Name, Field(title="联系人姓名")]
    kind: Annotated[ContactKind, Field(title="身份")]


class Contact(ResponseModel):
    username: str
    name: str
    kind: str
    kind_label: str
    families: int


class ContactList(ResponseModel):
    items: list[Contact]


class AssignIn(RequestModel):
    username: Annotated[Username, Field(title="联系人")]
    version: Version
    reason: Annotated[Message | None, Field(title="更换原因")] = None


class BulkAssignIn(RequestModel):
    contact: Annotated[Username, Field(title="联系人的登录名（本院已登记的一对一联系人）")]
    person_ids: Annotated[list[Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z-]{4,20}$")]],
                          Field(title="家庭编号（最多 100 个）", min_length=1, max_length=100)]
    reason: Annotated[Message | None, Field(title="更换原因")] = None


class BulkAssigned(ResponseModel):
    assigned: int = Field(description="这次指定或改由这位联系人联系的家庭数（原来就由这位联系人联系的不计）")


class PhoneOut(ResponseModel):
    phone: str = Field(description="家庭登记的完整手机号码（仅对这个家庭的一对一联系人给出，每次查看都记入审计）")


class HistoryEntry(ResponseModel):
    username: str
    name: str
    from_at: str
    by: str
    by_name: str | None = Field(default=None, description="指定人的姓名")
    reason: str | None = None


class HistoryList(ResponseModel):
    items: list[HistoryEntry]


class LogKind(StrEnum):
    phone = "phone"
    visit = "visit"
    wechat = "wechat"


class LogIn(RequestModel):
    kind: Annotated[LogKind, Field(title="联系方式")]
    notes: Annotated[Message, Field(title="了解到的情况")]
    needs: Annotated[Message | None, Field(title="家庭的需求和困难")] = None


class LogEntry(ResponseModel):
    at: str
    kind: str
    notes: str
    needs: str | None = None
    by: str
    by_name: str | None = Field(default=None, description="记录人的姓名")
    support_reference: str | None = None


class LogList(ResponseModel):
    items: list[LogEntry]


class CardPackage(ResponseModel):
    id: str = Field(description="配送编号（确认配送结果时使用）")
    week: int
    address: str
    window_label: str
    dietary_notes: str | None = None
    status: str
    status_label: str


class CardCampaign(ResponseModel):
    id: str
    name: str
    current_week: int | None = None


class FamilyCard(PersonOut):
    members: list[Member] = Field(description="登记的家属")
    logs: list[LogEntry] = Field(description="最近一次联系记录（没有时为空；全部记录见 logs 接口）")
    packages: list[CardPackage] = Field(description="当前爱心蔬菜活动最近几周的配送（新的在前）")


class MyFamilies(ResponseModel):
    items: list[FamilyCard]
    campaign: CardCampaign | None = Field(default=None, description="当前的爱心蔬菜活动（没有时为空）")
    next_cursor: str | None = None


class OnBehalfIn(RequestModel):
    category: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$"), Field(title="求助类别")]
    description: Annotated[Message, Field(title="需要什么帮助")]
    name: Annotated[Name, Field(title="求助的家庭成员姓名")]
    relation: Annotated[Name, Field(title="与一线人员的关系")]
    phone: Annotated[Phone, Field(title="家庭成员手机号码")]
    county_unit_id: Annotated[str | None, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$"),
                              Field(title="所在县市区（默认为医院所在县市区）")] = None


class SupportRaised(ResponseModel):
    reference: str
    status_label: str
    unit_name: str


class FamilyPage(ResponseModel):
    items: list[PersonOut]
    next_cursor: str | None = None


class CoverIn(RequestModel):
    who: Annotated[str, StringConstraints(pattern=r"^(SELF|[0-9A-Z]{4,20})$"),
                   Field(title="参保人（SELF 为一线人员本人，否则为家属编号）")]
    kinds: Annotated[list[str], Field(title="保障项目", min_length=1, max_length=2)]

    @model_validator(mode="after")
    def _kinds(self) -> CoverIn:
        if not set(self.kinds) <= {"major_illness", "accident"}:
            raise FieldProblem("kinds", "保障项目只能是 major_illness（重大疾病）或 accident（意外伤害）")
        return self


class CoverOut(DemoMarked):
    person_id: str
    who: str
    name: str
    relation: str
    kinds: list[str]
    enrolled_at: str


class CoverPage(ResponseModel):
    items: list[CoverOut]
    next_cursor: str | None = None


class ClaimIn(RequestModel):
    who: Annotated[str, StringConstraints(pattern=r"^(SELF|[0-9A-Z]{4,20})$"), Field(title="出险人")]
    kind: Annotated[str, StringConstraints(pattern=r"^(major_illness|accident)$"), Field(title="保障项目")]
    description: Annotated[Message, Field(title="情况说明")]
    phone: Annotated[Phone, Field(title="联系电话")]


class Claim(ResponseModel):
    reference: str
    who: str
    kind: str
    at: str
