"""The dashboard's answer: counts only, never a name, phone or ID number."""

from __future__ import annotations

from pydantic import Field

from chalicelib.core.models import ResponseModel


class UnitFigures(ResponseModel):
    """One unit and every unit under it."""

    unit_id: str
    unit_name: str
    kind_label: str
    support_total: int = Field(description="求助总数")
    support_open: int = Field(description="待受理的求助")
    support_in_progress: int = Field(description="办理中的求助（已受理、办理中、待回电）")
    support_done: int = Field(description="已办结、关闭或未予受理的求助")
    support_overdue: int = Field(description="超过应答期限仍未办结的求助")
    frontline_persons: int = Field(description="在档一线人员（每人一户）")
    frontline_members: int = Field(description="登记的家属人数")
    frontline_uncovered: int = Field(description="还没有一对一联系人的家庭")
    packages: int = Field(description="本次爱心蔬菜活动累计配送份数")
    packages_last_week: int = Field(description="上周配送份数")
    delivered: int = Field(description="已送达")
    failed: int = Field(description="未能送达")
    refused: int = Field(description="家庭婉拒")
    pending: int = Field(description="待配送")
    sessions: int = Field(description="招聘会、培训、返岗直通车等场次")
    registrations: int = Field(description="报名人次（含已取消）")
    attended: int = Field(description="登记到场人次")


class CategoryCount(ResponseModel):
    category: str
    label: str
    total: int
    unfinished: int = Field(description="待受理和办理中")


class WeekCount(ResponseModel):
    week_start: str = Field(description="该周周一（北京时间，YYYY-MM-DD）")
    count: int


class DeliveryWeek(ResponseModel):
    week: int = Field(description="活动第几周")
    packages: int
    delivered: int
    failed: int
    refused: int
    pending: int


class DeliveryFigures(ResponseModel):
    campaign_id: str
    campaign_name: str
    current_week: int | None = Field(description="今天是活动第几周（不在活动期间为空）")
    last_week: int | None = Field(description="“上周”指活动的第几周")
    weeks: list[DeliveryWeek] = Field(description="每周配送份数，本单位及下级")


class KindCount(ResponseModel):
    kind: str
    label: str
    sessions: int
    registrations: int = Field(description="报名人次（含已取消）")
    confirmed: int
    waitlisted: int
    cancelled: int
    attended: int


class Dashboard(ResponseModel):
    unit: UnitFigures = Field(description="本单位及下级合计")
    support_categories: list[CategoryCount] = Field(description="按类别的求助，本单位及下级")
    support_weekly: list[WeekCount] = Field(description="最近 12 周每周新增求助，本单位及下级")
    delivery: DeliveryFigures | None = Field(description="当前（或最近一次）爱心蔬菜活动，没有活动时为空")
    registrations: list[KindCount] = Field(description="按场次类型的报名和到场，本单位及下级")
    children: list[UnitFigures] = Field(description="直属下级单位，各含其下级")
    as_of: str = Field(description="统计时间（UTC）")
