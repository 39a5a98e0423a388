from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.core.fields import Phone
from chalicelib.core.models import HoneypotForm, ResponseModel


class OptOutIn(HoneypotForm):
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
                         Field(title="查询编号")]
    phone: Annotated[Phone, Field(title="手机号码")]


class OptOutView(ResponseModel):
    status: Literal["opted_out"]
    detail: str = Field(description="给本人的说明")
