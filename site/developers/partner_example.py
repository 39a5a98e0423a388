"""合作应用示例：代职工提交一件求助，再读回它的办理进度。

客户端由 openapi-python-client 按本站的 openapi.json 生成，包名 ws_client：
    openapi-python-client generate --url https://<门户地址>/api/openapi.json --meta none --output-path ws_client
运行：
    WS_API=https://<门户地址>/api WS_PARTNER_KEY=wsp_... python partner_example.py
"""

from __future__ import annotations

import os
import time
import uuid

from ws_client import AuthenticatedClient
from ws_client.api.partners import status_partner_submission
from ws_client.api.support import support_submit
from ws_client.models import Problem, StatusView, SupportRequestIn, SupportRequestInCategory

# 可以原样重发的问题类型（问题类型一览中“可以重试”为“原样重发”的几种）；其余的重发也不会成功。
RETRY_SAME = {
    "/problems/in-progress", "/problems/booking-retry", "/problems/reference-collision",
    "/problems/rate-limited", "/problems/internal", "/problems/unavailable", "/problems/hold-changed",
}


def submit_and_read_back(base_url: str, partner_key: str) -> StatusView:
    client = AuthenticatedClient(base_url=base_url, token=partner_key, timeout=30)
    body = SupportRequestIn(
        category=SupportRequestInCategory.PSYCHOLOGICAL,
        description="家人在一线工作，孩子这几天情绪低落，想找人聊聊。",
        name="张敏",
        phone="13800138000",
        county_unit_id="taishan",
        consent=True,  # 填表人已阅读并同意 2020-02-v1 版同意书
        consent_version="2020-02-v1",
    )
    key = str(uuid.uuid4())  # 每次填写生成一个；重发时用同一个，不会重复登记
    for _ in range(5):
        answer = support_submit.sync_detailed(client=client, body=body, idempotency_key=key)
        created = answer.parsed
        if not isinstance(created, Problem):
            break
        if created.type_ not in RETRY_SAME:
            raise RuntimeError(f"{created.title}：{created.detail}")
        time.sleep(int(answer.headers.get("Retry-After", "2")))
    else:
        raise RuntimeError("系统繁忙，请稍后再试")
    if created is None:
        raise RuntimeError(f"意外的答复：HTTP {answer.status_code}")
    view = status_partner_submission.sync(client=client, reference=created.reference)
    if not isinstance(view, StatusView):
        raise RuntimeError(f"读不到刚提交的求助：{view}")
    return view


if __name__ == "__main__":
    seen = submit_and_read_back(os.environ.get("WS_API", "http://127.0.0.1:8000/api"), os.environ["WS_PARTNER_KEY"])
    print(seen.reference, seen.status_label, seen.unit_name)
