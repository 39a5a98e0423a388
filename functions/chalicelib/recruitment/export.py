"""A firm's interested workers as an xlsx workbook (core.xlsx: every cell text): whole phone numbers only for roles
that pass them to the firm; read-only roles see them masked."""

from __future__ import annotations

from chalicelib.core import personal, retention, xlsx
from chalicelib.core.auth import Principal
from chalicelib.core.times import shanghai_text
from chalicelib.recruitment import service
from chalicelib.recruitment.models import Export

COLUMNS = [xlsx.Column(h, w) for h, w in (
    ("序号", 6), ("岗位编号", 12), ("岗位", 24), ("姓名", 10), ("手机号码", 14), ("时间（北京时间）", 18))]


def interested_workbook(reference: str, by: Principal) -> Export:
    firm = service.firm_for_staff(reference, by)
    whole = bool(by.roles & set(service.ACT))
    rows = sorted(map(retention.for_staff, service.interested_rows(firm)),
                  key=lambda r: (r["opening_reference"], r["at"]))
    book = xlsx.Book()
    sheet = book.sheet("有意向的职工", COLUMNS, preface=[[firm["name"], firm["credit_code"]]])
    for number, r in enumerate(rows, 1):
        sheet.append([number, r["opening_reference"], r["opening_title"],
                      r["name"] if whole else personal.mask_name(r["name"]),
                      r["phone"] if whole else personal.mask_phone(r["phone"]), shanghai_text(r["at"])])
    return Export(filename=xlsx.filename("有意向的职工", firm["name"]), content_type=xlsx.MEDIA_TYPE,
                  content_base64=book.base64(), rows=len(rows))
