from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from chalicelib.core import labels
from chalicelib.core.fields import Address, Note, Phone, Reference, Short, UnitId
from chalicelib.core.models import FieldProblem, HoneypotForm, PublicForm, RequestModel, ResponseModel

# The notice (泰会办〔2020〕7号, part 3.3): "按照每份不超过80元的标准掌握". A rule of the notice, not a
# setting: a campaign's cap and prices stay at or under it, and every package's write checks it.
PACKAGE_CEILING_FEN = 8000


def _within_ceiling(fen: int) -> int:
    if fen > PACKAGE_CEILING_FEN:
        raise ValueError(f"不能超过 {PACKAGE_CEILING_FEN} 分（80 元）：通知规定爱心蔬菜每份不超过80元")
    return fen


PackageFen = Annotated[int, Field(ge=1, json_schema_extra={"maximum": PACKAGE_CEILING_FEN}),
                       AfterValidator(_within_ceiling)]


class Window(StrEnum):
    morning = "morning"
    afternoon = "afternoon"
    evening = "evening"


WINDOW_LABELS = labels.WINDOW_LABELS
assert set(WINDOW_LABELS) == set(Window)


class _Delivery(RequestModel):
    address: Annotated[Address, Field(title="配送地址")]
    window: Annotated[Window, Field(title="配送时段")]
    dietary_notes: Annotated[Note | None, Field(title="饮食禁忌或偏好")] = None


class SignupIn(PublicForm, _Delivery):
    reference: Annotated[Reference, Field(title="家庭编号")]
    phone: Annotated[Phone, Field(title="手机号码")]


class StaffSignupIn(_Delivery):
    pass


class Action(StrEnum):
    pause = "pause"
    resume = "resume"


class PauseIn(HoneypotForm):
    reference: Annotated[Reference, Field(title="家庭编号")]
    phone: Annotated[Phone, Field(title="手机号码")]
    action: Annotated[Action, Field(title="暂停或恢复")]


class StaffPauseIn(RequestModel):
    action: Annotated[Action, Field(title="暂停或恢复")]


class SignupOut(ResponseModel):
    reference: str = Field(description="家庭编号")
    campaign_id: str
    status: str
    status_label: str
    window_label: str
    from_week: int = Field(description="从第几周起配送")
    updated_at: str


class FamilySignup(ResponseModel):
    campaign_id: str | None = Field(default=None, description="进行中的爱心蔬菜活动（没有时为空）")
    campaign_name: str | None = None
    signup: SignupOut | None = Field(default=None, description="这户家庭在该活动的登记（还没有登记时为空）")
    actions: list[Action] = Field(description="现在可以做的：pause 暂停配送（配送中），resume 恢复配送（已暂停）")


class Supplier(RequestModel):
    county_unit_id: Annotated[UnitId, Field(title="县市区")]
    name: Annotated[Short, Field(title="供应商")]
    price_fen: Annotated[PackageFen, Field(title="每份价格（分）")]


class CampaignIn(RequestModel):
    name: Annotated[Short, Field(title="活动名称")]
    start_date: Annotated[date, Field(title="开始日期")]
    end_date: Annotated[date | None, Field(title="结束日期（疫情防控任务结束时填写）")] = None
    cap_fen: Annotated[PackageFen, Field(title="每份上限（分）")]
    price_fen: Annotated[PackageFen, Field(title="默认每份价格（分）")]
    funded_by: Annotated[UnitId, Field(title="出资单位")] = "city"
    default_supplier: Annotated[Short, Field(title="默认供应商")] = "爱心蔬菜供应"
    suppliers: Annotated[list[Supplier], Field(title="各县市区供应商", max_length=50, default_factory=list)]
    version: Annotated[int | None, Field(title="读取时的版本号（新建时不填）", ge=1)] = None

    @model_validator(mode="after")
    def _consistent(self) -> CampaignIn:
        if self.end_date is not None and self.end_date < self.start_date:
            raise FieldProblem("end_date", "结束日期不能早于开始日期")
        if self.price_fen > self.cap_fen or any(s.price_fen > self.cap_fen for s in self.suppliers):
            raise FieldProblem("price_fen", "每份价格不能超过每份上限")
        return self


class Campaign(ResponseModel):
    id: str
    name: str
    start_date: str
    end_date: str | None = None
    cap_fen: int
    price_fen: int
    funded_by: str
    default_supplier: str
    suppliers: list[dict[str, object]]
    current_week: int | None = Field(description="今天（北京时间）是第几周；未开始或已结束为空")
    version: int


class CampaignList(ResponseModel):
    items: list[Campaign]


class GenerateIn(RequestModel):
    week: Annotated[int, Field(title="第几周", ge=1, le=520)]


class GenerateResult(ResponseModel):
    campaign_id: str
    week: int
    served_week: str = Field(description="这一周在全市统一周次中的起始日（北京时间）：每户每个统一周次至多一份")
    created: int = Field(description="本次新生成的份数")
    existing: int = Field(description="此前已生成的份数")
    total: int
    skipped: int = Field(description="这一周已由其他活动配送过、本次跳过且未记账的家庭数")
    skipped_families: list[str] = Field(description="跳过的家庭编号")
    amount_fen: int = Field(description="本次新记入专项资金支出的金额")
    done: bool = Field(description="为 false 时尚未全部生成（时间用尽），请再点一次")


class Package(ResponseModel):
    id: str = Field(description="配送编号（确认配送结果时使用，不向人显示）")
    week: int | None = Field(default=None, description="活动的第几周")
    family_id: str
    unit_id: str
    name: str = Field(description="收件人（已部分隐去）")
    phone: str = Field(description="手机号码（已部分隐去）")
    address: str
    window_label: str
    dietary_notes: str | None = None
    amount_fen: int
    supplier: str
    status: str
    status_label: str
    confirmed_by: str | None = None
    confirmed_by_name: str | None = Field(default=None, description="确认人的姓名")


class RosterPage(ResponseModel):
    items: list[Package]
    next_cursor: str | None = None


class Outcome(StrEnum):
    delivered = "delivered"
    failed = "failed"
    refused = "refused"


class ConfirmIn(RequestModel):
    outcome: Annotated[Outcome, Field(title="配送结果")]
    note: Annotated[Note | None, Field(title="说明")] = None


class FileOut(ResponseModel):
    filename: str
    content_base64: str
