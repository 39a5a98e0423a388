"""A session's list as an xlsx workbook (openpyxl): confirmed, then waitlisted in order, then
cancelled; whole phone numbers only for roles that run sessions."""

from __future__ import annotations

import base64
import io

from openpyxl import Workbook

from chalicelib.booking import service
from chalicelib.booking.models import Export
from chalicelib.core import personal, retention
from chalicelib.core.auth import Principal
from chalicelib.core.times import shanghai_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORDER = {"confirmed": 0, "waitlisted": 1, "cancelled": 2}


def session_workbook(session_id: str, by: Principal) -> Export:
    session = service.session_for_staff(session_id, by)
    whole = service.sees_phone(by)
    rows = sorted(map(retention.for_staff, service.all_registrations(session_id)),
                  key=lambda r: (ORDER[r["status"]], r.get("wait_seq", 0), r["created_at"]))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "报名名单"
    sheet.append([session["title"], f"名额 {session['capacity']}", f"已确认 {session['confirmed']}",
                  f"候补 {session['waitlisted']}"])
    sheet.append(["序号", "报名编号", "姓名", "手机号码", "状态", "候补位次", "到场", "渠道", "报名时间（北京时间）",
                  "备注"])
    position = 0
    for number, r in enumerate(rows, 1):
        if r["status"] == "waitlisted":
            position += 1
        sheet.append([
            number, r["reference"], r["name"] if whole else personal.mask_name(r["name"]),
            r["phone"] if whole else personal.mask_phone(r["phone"]), service.REG_LABELS[r["status"]],
            position if r["status"] == "waitlisted" else "",
            _yes_no(r.get("attended")), r["channel"], shanghai_text(r["created_at"]),
            r.get("note", "") if whole else "",
        ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Export(filename=f"session-{session_id}.xlsx", content_type=XLSX,
                  content_base64=base64.b64encode(buffer.getvalue()).decode(), rows=len(rows))


def _yes_no(value: object) -> str:
    return "" if value is None else ("是" if value else "否")
