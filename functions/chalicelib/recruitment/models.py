from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from chalicelib.core import labels
from chalicelib.core.fields import MULTI_LINE, Line, Name, Phone, Reference, Text, Title, UnitId, Version
from chalicelib.core.models import DemoMarked, FieldProblem, HoneypotForm, PublicForm, RequestModel, ResponseModel
from chalicelib.recruitment.credit import normalize_credit_code

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=300), MULTI_LINE]
CreditCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30),
                       AfterValidator(normalize_credit_code)]
Wage = Annotated[int, Field(ge=500, le=100_000)]


class Industry(StrEnum):
    manufacturing = "manufacturing"
    construction = "construction"
    logistics = "logistics"
    retail = "retail"
    catering = "catering"
    services = "services"
    healthcare = "healthcare"
    it = "it"
    agriculture = "agriculture"
    other = "other"


INDUSTRY_LABELS = labels.INDUSTRY_LABELS
assert set(INDUSTRY_LABELS) == set(Industry)


class Shift(StrEnum):
    fixed = "fixed"
    staggered = "staggered"
    flexible = "flexible"


SHIFT_LABELS = labels.SHIFT_LABELS
assert set(SHIFT_LABELS) == set(Shift)


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"


class FirmIn(PublicForm):
    name: Annotated[Title, Field(title="单位名称")]
    credit_code: Annotated[CreditCode, Field(title="统一社会信用代码")]
    county_unit_id: Annotated[UnitId, Field(title="所在县市区")]
    industry: Annotated[Industry, Field(title="行业")]
    address: Annotated[Line, Field(title="单位地址")]
    contact_name: Annotated[Name, Field(title="联系人")]
    contact_phone: Annotated[Phone, Field(title="联系人手机号码")]
    description: Annotated[Text | None, Field(title="单位简介")] = None


class OpeningIn(HoneypotForm):
    firm_reference: Annotated[Reference, Field(title="单位登记编号")]
    phone: Annotated[Phone, Field(title="单位联系人手机号码")]
    title: Annotated[Line, Field(title="岗位名称")]
    headcount: Annotated[int, Field(title="招聘人数", ge=1, le=10_000)]
    wage_min: Annotated[Wage, Field(title="月工资下限（元）")]
    wage_max: Annotated[Wage, Field(title="月工资上限（元）")]
    shift: Annotated[Shift, Field(title="上班方式")]
    remote: Annotated[bool, Field(title="可以居家远程办公")] = False
    place: Annotated[Line, Field(title="工作地点")]
    requirements: Annotated[Text, Field(title="岗位要求")]
    valid_until: Annotated[date, Field(title="招聘截止日期")]

    @model_validator(mode="after")
    def _consistent(self) -> OpeningIn:
        if self.wage_max < self.wage_min:
            raise FieldProblem("wage_max", "月工资上限不能低于下限")
        return self


class InterestIn(PublicForm):
    name: Annotated[Name, Field(title="姓名")]
    phone: Annotated[Phone, Field(title="手机号码")]
    share_phone: Annotated[bool, Field(title="同意把我的姓名和手机号码转给招聘单位")] = False


class FirmLookupIn(HoneypotForm):
    reference: Annotated[Reference, Field(title="单位登记编号")]
    phone: Annotated[Phone, Field(title="单位联系人手机号码")]


class ReviewIn(RequestModel):
    decision: Annotated[Decision, Field(title="审核结果")]
    reason: Annotated[Reason | None, Field(title="不通过的理由（单位可以看到）")] = None
    version: Version

    @model_validator(mode="after")
    def _reason(self) -> ReviewIn:
        if self.decision == Decision.reject and not self.reason:
            raise FieldProblem("reason", "不通过时请填写理由")
        return self


class Submitted(ResponseModel):
    reference: str = Field(description="登记编号，查询审核结果、发布岗位时要用")
    status: str
    status_label: str
    unit_name: str = Field(description="负责审核的工会")


class Opening(ResponseModel):
    """A published opening as the portal's list renders it."""

    id: str
    title: str
    firm_name: str
    industry: str
    industry_label: str
    county_unit_id: str
    county: str
    place: str
    salary: str = Field(description="如 3000–4500 元/月")
    wage_min: int
    wage_max: int
    headcount: int
    shift: str
    shift_label: str
    remote: bool
    description: str = Field(description="岗位要求")
    valid_until: str
    published_at: str


class OpeningPage(ResponseModel):
    items: list[Opening]
    next_cursor: str | None = None


class Contact(ResponseModel):
    reference: str = Field(description="岗位编号")
    label: str
    fields: dict[str, str] = Field(description="供门户逐项显示：单位、联系人、电话")
    firm_name: str
    contact: str = Field(description="联系人与电话（经工会审核）")
    contact_name: str
    contact_phone: str
    shared: bool = Field(description="是否已把您的联系方式转给单位")
    interest_reference: str | None = Field(
        default=None, description="转给单位时：本人意向登记的查询编号，凭它和手机号码可查看或删除转出的信息")


class FirmReview(DemoMarked):
    reference: str
    name: str
    credit_code: str
    industry_label: str
    county_unit_id: str
    address: str
    contact_name: str
    contact_phone: str
    description: str | None = None
    status: str
    status_label: str
    reason: str | None = None
    created_at: str
    version: int


class RecruitmentChange(ResponseModel):
    """One line of a firm's or an opening's history."""

    action: str = Field(description="register 提交登记 / post 提交岗位 / approve 审核通过 / publish 公开发布 / "
                                    "return 退回")
    action_label: str
    actor: str = Field(description="谁做的：public 本人网上提交、partner:<应用>、staff:<账号>")
    actor_name: str | None = Field(default=None, description="办理人的姓名，或提交方式（本人网上提交、合作应用）")
    at: str = Field(description="时间（UTC）")
    status: str = Field(description="变更后的状态")
    status_label: str
    reason: str | None = Field(default=None, description="退回的理由（单位可以看到）")


class FirmDetail(FirmReview):
    history: list[RecruitmentChange] = Field(description="登记的每次变更，早的在前")


class FirmReviewPage(ResponseModel):
    items: list[FirmReview]
    next_cursor: str | None = None


class OpeningReview(DemoMarked):
    reference: str
    firm_reference: str
    firm_name: str
    firm_status: str
    title: str
    headcount: int
    salary: str
    shift_label: str
    remote: bool
    place: str
    requirements: str
    valid_until: str
    status: str
    status_label: str
    reason: str | None = None
    created_at: str
    version: int


class OpeningDetail(OpeningReview):
    history: list[RecruitmentChange] = Field(description="岗位的每次变更，早的在前")


class OpeningReviewPage(ResponseModel):
    items: list[OpeningReview]
    next_cursor: str | None = None


class Interested(ResponseModel):
    opening_reference: str
    opening_title: str
    name: str
    phone: str
    at: str


class InterestedList(ResponseModel):
    firm_name: str
    items: list[Interested]


class Export(ResponseModel):
    filename: str
    content_type: str
    content_base64: str = Field(description="xlsx 文件内容，base64 编码")
    rows: int
