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
