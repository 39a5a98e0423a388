"""A session's list as an xlsx workbook (core.xlsx: every cell text): confirmed, then waitlisted in order, then
cancelled; whole phone numbers only for roles that run sessions."""

from __future__ import annotations

from chalicelib.booking import service
from chalicelib.booking.models import Export
from chalicelib.core import personal, retention, xlsx
from chalicelib.core.auth import Principal
from chalicelib.core.times import shanghai_text

ORDER = {"confirmed": 0, "waitlisted": 1, "cancelled": 2}
COLUMNS = [xlsx.Column(h, w) for h, w in (
    ("序号", 6), ("报名编号", 12), ("姓名", 10), ("手机号码", 14), ("状态", 8), ("候补位次", 8), ("到场", 6),
    ("渠道", 10), ("报名时间（北京时间）", 18), ("备注", 30))]


def session_workbook(session_id: str, by: Principal) -> Export:
    session = service.session_for_staff(session_id, by)
    whole = service.sees_phone(by)
    rows = sorted(map(retention.for_staff, service.all_registrations(session_id)),
                  key=lambda r: (ORDER[r["status"]], r.get("wait_seq", 0), r["created_at"]))
    book = xlsx.Book()
    sheet = book.sheet("报名名单", COLUMNS, preface=[
        [session["title"], f"名额 {session['capacity']}", f"已确认 {session['confirmed']}",
         f"候补 {session['waitlisted']}"]])
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
    return Export(filename=xlsx.filename("报名名单", session["title"]), content_type=xlsx.MEDIA_TYPE,
                  content_base64=book.base64(), rows=len(rows))


def _yes_no(value: object) -> str:
    return "" if value is None else ("是" if value else "否")
