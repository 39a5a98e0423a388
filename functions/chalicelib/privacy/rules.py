"""The retention policy: for every record type that holds personal data, which fields are personal.

One table for all domains, so the policy can be read and audited in one place. A record type that
holds personal data and is missing here fails tests/api/test_privacy.py.
"""

from __future__ import annotations

from chalicelib.core.retention import Rule, register

register(Rule("ref", "查询编号索引", ("phone_hash",)))
register(Rule("caller_link", "来电人历史索引", (), delete=True))
register(Rule(
    "support_request", "求助记录",
    personal_fields=("name", "phone", "phone_hash", "relation", "contact_time"),
    placeholder_fields=("description",),
    related=lambda item: [(f"PHONE#{item['phone_hash']}", f"SUPPORT#{item['created_at']}#{item['reference']}"),
                          (f"REF#{item['reference']}", "REF")] if "phone_hash" in item else [],
))

# Frontline archive (frontline/store.py) and weekly food packages (delivery/store.py).
register(Rule(
    "frontline_person", "一线医务人员档案",
    personal_fields=("name", "phone", "id_hash", "id_masked"),
    related=lambda item: [(f"FRONTLINEID#{item['id_hash']}", item["unit_id"]),
                          (f"FLDUP#{item['unit_id']}", item["id"])] if "id_hash" in item else [],
))
register(Rule("frontline_member", "一线医务人员家属", ("name", "address", "age"), placeholder_fields=("needs",)))
register(Rule("frontline_id", "身份证号码查重索引", (), delete=True))
register(Rule("frontline_duplicate", "跨院重复登记标记", (), delete=True))
register(Rule("frontline_duplicate_group", "跨单位重复登记分组", (), delete=True))
register(Rule("frontline_contact", "一对一联系人", ("name",)))
register(Rule("frontline_contact_history", "联系人变更记录", ("name",), placeholder_fields=("reason",)))
register(Rule("frontline_log", "联系记录", (), placeholder_fields=("notes", "needs")))
register(Rule("frontline_cover", "大病和意外保障登记", ("name",)))
register(Rule("delivery_signup", "爱心蔬菜配送登记", ("name", "phone", "address"),
              placeholder_fields=("dietary_notes",)))
register(Rule("delivery_package", "爱心蔬菜配送记录", ("name", "phone", "address"),
              placeholder_fields=("dietary_notes", "note")))
# Recuperation nominations (recuperation/store.py): keyed by the ID-number hash, so the whole item
# goes; the batches keep their counts.
register(Rule("recuperation_nomination", "疗休养推荐", ("name", "id_hash"), delete=True))

# Job fairs, courses, shuttles and recuperation batches (booking/store.py). The one-per-phone guard
# is keyed by the phone's hash, so it goes whole; the session keeps its counts.
register(Rule("booking_registration", "招聘会、培训、返岗直通车和疗休养报名", ("name", "phone", "phone_hash", "link"),
              placeholder_fields=("note",)))
register(Rule("booking_person", "报名手机号查重索引", (), delete=True))

# Reopening firms and their job openings (recruitment/store.py): the firm's contact person, and a
# worker's interest in an opening.
register(Rule("firm", "复工企业登记的联系人", ("contact_name", "contact_phone")))
register(Rule("opening_interest", "求职意向登记", ("name", "phone")))

# Registered hardship workers (hardship/store.py): the register, the contact person's checks and
# the one-per-person guard keyed by the ID number's hash. The supplies given keep their counts.
register(Rule(
    "hardship_worker", "困难职工登记", ("name", "phone", "id_hash", "id_masked", "contact"),
    placeholder_fields=("hardship",),
    related=lambda item: [(f"HARDSHIPID#{item['id_hash']}", "ID")] if "id_hash" in item else [],
))
register(Rule("hardship_id", "困难职工身份证号码查重索引", (), delete=True))
register(Rule("hardship_check", "困难职工走访记录", (), placeholder_fields=("situation", "precautions")))

# Staff notes on a support request may repeat what the person said.
register(Rule("support_note", "求助办理记录", (), placeholder_fields=("text",)))
