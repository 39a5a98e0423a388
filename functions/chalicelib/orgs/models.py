from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from chalicelib.core import labels
from chalicelib.core.fields import SINGLE_LINE, Phone
from chalicelib.core.models import RequestModel, ResponseModel
from chalicelib.core.roles import ROLES


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


KIND_LABELS = labels.UNIT_KIND_LABELS
assert set(KIND_LABELS) == set(UnitKind)


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


class UnitIn(RequestModel):
    id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]{1,39}$"),
                  Field(title="组织代码（小写字母、数字和 -）")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60), SINGLE_LINE,
                    Field(title="组织名称")]
    kind: Annotated[UnitKind, Field(title="组织类别")]
    parent_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), Field(title="上级工会")]
    county: Annotated[Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), SINGLE_LINE] | None,
                      Field(title="所在县市区")] = None


class StaffIn(RequestModel):
    username: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9._-]{2,39}$"),
                        Field(title="登录名（小写字母、数字和 . _ -）")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30), SINGLE_LINE,
                    Field(title="姓名")]
    unit_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), Field(title="所在工会")]
    roles: Annotated[list[str], Field(title="角色", min_length=1, max_length=7)]

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        unknown = [r for r in value if r not in ROLES]
        if unknown:
            raise ValueError(f"包含不可选的角色：{'、'.join(unknown)}")
        return sorted(set(value))


class Staff(ResponseModel):
    username: str
    name: str
    unit_id: str
    roles: list[str]
    status: str = Field(description="active 或 disabled")
    created_at: str
    created_by: str


class StaffCreated(Staff):
    temporary_password: str | None = Field(None, description=(
        "临时密码，只在创建的答复中出现这一次，首次登录时须改为新密码；用同一个 Idempotency-Key "
        "重发得到的答复不含临时密码。"))


class StaffPage(ResponseModel):
    items: list[Staff]
    next_cursor: str | None = None


# --- a unit's staff alerts: its group robot (企业微信 or 钉钉) and staff phones for text alerts -----

class WebhookKind(StrEnum):
    wecom = "wecom"
    dingtalk = "dingtalk"


WEBHOOK_KIND_LABELS = labels.WEBHOOK_KIND_LABELS
assert set(WEBHOOK_KIND_LABELS) == set(WebhookKind)
# The robots' own hosts: a URL elsewhere would send the unit's alerts to whoever runs that host.
WEBHOOK_HOSTS = {WebhookKind.wecom: "qyapi.weixin.qq.com", WebhookKind.dingtalk: "oapi.dingtalk.com"}


class WebhookIn(RequestModel):
    kind: Annotated[WebhookKind, Field(title="群机器人类别")]
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=500), SINGLE_LINE,
                   Field(title="机器人的 Webhook 地址")]
    secret: Annotated[Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=200),
                                SINGLE_LINE] | None, Field(title="加签密钥（钉钉机器人的“加签”，企业微信不填）")] = None


class AlertPhonesIn(RequestModel):
    phones: Annotated[list[Phone], Field(title="接收提醒短信的工作人员手机号码（最多 5 个）", max_length=5)]


class Webhook(ResponseModel):
    kind: WebhookKind
    kind_label: str
    set_at: str
    set_by: str


class UnitAlerts(ResponseModel):
    unit_id: str
    unit_name: str
    webhook: Webhook | None = Field(default=None, description="已设置的群机器人；地址和密钥保存后不再显示")
    phones: list[str] = Field(description="接收提醒短信的手机号码（已部分隐去）")
