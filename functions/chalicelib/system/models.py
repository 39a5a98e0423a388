from __future__ import annotations

from pydantic import Field

from chalicelib.core.models import ResponseModel


class TableStatus(ResponseModel):
    name: str
    status: str = Field(description="ACTIVE、CREATING 等；表不存在时为 MISSING")


class Health(ResponseModel):
    status: str = Field(description="ok 或 degraded")
    engine: str = Field(description="aws、dynamodb-local 或 moto")
    table: TableStatus
