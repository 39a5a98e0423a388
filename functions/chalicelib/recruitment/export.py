"""A firm's interested workers as an xlsx workbook (openpyxl): whole phone numbers only for roles
that pass them to the firm; read-only roles see them masked."""

from __future__ import annotations

import base64
import io

from openpyxl import Workbook

from chalicelib.core import personal, retention
from chalicelib.core.auth import Principal
from chalicelib.core.times import shanghai_text
from chalicelib.recruitment import service
from chalicelib.recruitment.models import Export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def interested_workbook(reference: str, by: Principal) -> Export:
    firm = service.firm_for_staff(reference, by)
    whole = bool(by.roles & set(service.ACT))
    rows = sorted(map(retention.for_staff, service.interested_rows(firm)),
                  key=lambda r: (r["opening_reference"], r["at"]))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "有意向的职工"
    sheet.append([firm["name"], firm["credit_code"]])
    sheet.append(["序号", "岗位编号", "岗位", "姓名", "手机号码", "时间（北京时间）"])
    for number, r in enumerate(rows, 1):
        sheet.append([number, r["opening_reference"], r["opening_title"],
                      r["name"] if whole else personal.mask_name(r["name"]),
                      r["phone"] if whole else personal.mask_phone(r["phone"]), shanghai_text(r["at"])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Export(filename=f"firm-{firm['reference']}-interested.xlsx", content_type=XLSX,
                  content_base64=base64.b64encode(buffer.getvalue()).decode(), rows=len(rows))
