from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints, field_validator

from chalicelib.core import labels
from chalicelib.core.fields import Short
from chalicelib.core.models import RequestModel, ResponseModel

# What a partner app may be allowed to do; each public route names its operation.
PARTNER_OPERATIONS = labels.PARTNER_OPERATION_LABELS

PartnerOperation = Literal["support.submit", "status.lookup", "booking.register", "booking.cancel",
                           "recruitment.firm", "recruitment.interest"]
assert set(get_args(PartnerOperation)) == set(PARTNER_OPERATIONS)

Channel = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9-]{1,29}$")]


class PartnerIn(RequestModel):
    name: Annotated[Short, Field(title="合作应用名称")]
    channel: Annotated[Channel, Field(title="渠道标识（小写字母、数字和 -）")]
    operations: Annotated[list[PartnerOperation], Field(title="允许的操作", min_length=1, max_length=20)]

    @field_validator("operations")
    @classmethod
    def _once_each(cls, value: list[PartnerOperation]) -> list[PartnerOperation]:
        return sorted(set(value))


class Partner(ResponseModel):
    id: str
    name: str
    channel: str
    operations: list[PartnerOperation]
    status: Literal["active", "revoked"]
    created_at: str
    created_by: str
    revoked_at: str | None = None


class PartnerIssued(Partner):
    key: str | None = Field(None, description=(
        "合作应用的调用凭证。只在签发的答复中出现这一次，请立即交给合作方妥善保存；用同一个 "
        "Idempotency-Key 重发得到的答复不含凭证（凭证不保存明文），需要时吊销后重新签发。"))


class PartnerPage(ResponseModel):
    items: list[Partner]
    next_cursor: str | None = None


class Me(ResponseModel):
    kind: str
    id: str
    name: str
    unit_id: str
    unit_name: str
    roles: list[str]
    role_labels: list[str]
    channel: str | None = None


class SignInConfig(ResponseModel):
    region: str
    user_pool_id: str
    client_id: str
    endpoint: str = Field(description="Cognito 接口地址（本地为模拟服务）")
