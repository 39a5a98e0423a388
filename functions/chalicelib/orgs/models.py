from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from chalicelib.core.models import ResponseModel


class UnitKind(StrEnum):
    city_federation = "city_federation"
    county_union = "county_union"
    zone_union = "zone_union"
    organs_union = "organs_union"
    industry_union = "industry_union"
    mining_group_union = "mining_group_union"
    provincial_unit_union = "provincial_unit_union"
    hospital_union = "hospital_union"
    enterprise_union = "enterprise_union"


KIND_LABELS = {
    UnitKind.city_federation: "市总工会",
    UnitKind.county_union: "县市区总工会",
    UnitKind.zone_union: "功能区工会",
    UnitKind.organs_union: "机关工会",
    UnitKind.industry_union: "产业工会",
    UnitKind.mining_group_union: "矿业集团工会",
    UnitKind.provincial_unit_union: "驻泰单位工会",
    UnitKind.hospital_union: "医院工会",
    UnitKind.enterprise_union: "企业工会",
}


class Unit(ResponseModel):
    id: str
    name: str
    kind: UnitKind
    kind_label: str
    parent_id: str | None = None
    county: str | None = Field(default=None, description="所在县市区")
    depth: int = Field(description="在工会组织树中的层级，市总工会为 0")


class UnitPage(ResponseModel):
    items: list[Unit]
    next_cursor: str | None = None
