from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.core.fields import MULTI_LINE, SINGLE_LINE, Capacity, Instant, Line, Title, Version
from chalicelib.core.models import RequestModel, ResponseModel

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=1000), MULTI_LINE]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200), SINGLE_LINE]


class NominationIn(RequestModel):
    reason: Annotated[Reason, Field(title="主要事迹（10 至 1000 字）")]
    days_deployed: Annotated[int | None, Field(title="在一线工作的天数（不填时按档案中的一线工作日期计算）",
                                               ge=1, le=366)] = None


class WithdrawIn(RequestModel):
    version: Version


class AdjustIn(RequestModel):
    adjustment: Annotated[int, Field(title="优先分调整（-50 至 50）", ge=-50, le=50)]
    note: Annotated[Note, Field(title="调整说明")]
    version: Version


class Decision(StrEnum):
    approve = "approve"
    decline = "decline"


class DecisionIn(RequestModel):
    decision: Annotated[Decision, Field(title="审核结果")]
    note: Annotated[Note | None, Field(title="说明（不同意时必填）")] = None
    version: Version


class Nomination(ResponseModel):
    person_id: str = Field(description="一线人员档案中的家庭编号")
    unit_id: str = Field(description="推荐单位（一线人员所在医院工会）")
    unit_name: str
    name: str
    department: str
    role: str
    deployment: str
    deployment_label: str
    days_deployed: int
    days_from_archive: bool = Field(description="天数按档案中的一线工作日期计算（否则为推荐单位填写）")
    reason: str
    status: str
    status_label: str
    base_score: int = Field(description="按岗位和天数算出的优先分")
    adjustment: int = Field(description="市总调整的分数")
    adjustment_note: str | None = None
    score: int = Field(description="优先分合计 = base_score + adjustment")
    rank: int | None = Field(default=None, description="在待安排名单中的位次（只在排序名单中给出）")
    decision_note: str | None = None
    nominated_at: str
    nominated_by: str
    batch_id: str | None = None
    batch_title: str | None = None
    batch_starts_at: str | None = None
    batch_ends_at: str | None = None
    batch_place: str | None = None
    booking_reference: str | None = Field(default=None, description="疗休养名额的报名编号（可在门户查询）")
    placed_at: str | None = None
    version: int


class NominationPage(ResponseModel):
    items: list[Nomination]
    next_cursor: str | None = None


class RankingList(ResponseModel):
    items: list[Nomination]
    rule: str = Field(description="排序规则的文字说明")


class BatchIn(RequestModel):
    title: Annotated[Title, Field(title="批次名称")]
    starts_at: Annotated[Instant, Field(title="开始时间")]
    ends_at: Annotated[Instant, Field(title="结束时间")]
    place: Annotated[Line, Field(title="疗休养地点")]
    capacity: Annotated[Capacity, Field(title="名额")]
    description: Annotated[Reason | None, Field(title="安排说明")] = None


class Batch(ResponseModel):
    id: str
    title: str
    starts_at: str
    ends_at: str
    place: str | None = None
    capacity: int
    placed: int = Field(description="已安排的人数")
    seats_left: int
    status: str
    status_label: str
    description: str | None = None


class BatchList(ResponseModel):
    items: list[Batch]


class PlaceIn(RequestModel):
    limit: Annotated[int | None, Field(title="本次最多安排的人数（不填时排满剩余名额）", ge=1, le=200)] = None


class Placed(ResponseModel):
    person_id: str
    name: str
    unit_name: str
    booking_reference: str


class PlacementResult(ResponseModel):
    batch_id: str
    placed: list[Placed]
    seats_left: int
    waiting: int = Field(description="本次之后仍在等待安排的已同意人数")
