"""The fund's balance check holds under real parallel requests on DynamoDB Local."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import boto3

from chalicelib.core import times
from tests.integration.conftest import call
from tests.staff_accounts import staff_id_token


def _token(stack, username: str, unit_id: str, roles: list[str]) -> str:
    idp = boto3.client("cognito-idp", endpoint_url=stack.env["COGNITO_ENDPOINT"], region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    return staff_id_token(idp, stack.pool, username, unit_id, roles)


def test_200_parallel_spends_against_a_balance_for_150_leave_exactly_150_entries(stack):
    year = times.today().year
    headers = {"Authorization": f"Bearer {_token(stack, 'race.finance', 'daiyue', ['finance'])}"}
    status, _, account = call(f"{stack.url}/api/fund/units/daiyue/budget", "PUT",
                              {"year": year, "annual_budget_fen": 1_000_000, "special_fund_fen": 150 * 700},
                              headers)
    assert status == 200, account

    def spend(_: int) -> int:
        answer = call(f"{stack.url}/api/fund/spends", "POST",
                            {"unit_id": "daiyue", "category": "supplies_masks", "amount_fen": 700,
                             "payee": "口罩供应商"}, {**headers, "Idempotency-Key": str(uuid.uuid4())}, timeout=120)
        return answer[0]

    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = Counter(pool.map(spend, range(200)))
    assert statuses == Counter({201: 150, 409: 50}), statuses

    entries, cursor = [], None
    while True:
        query = f"?year={year}" + (f"&cursor={cursor}" if cursor else "")
        status, _, page = call(f"{stack.url}/api/fund/units/daiyue/ledger{query}", headers=headers)
        assert status == 200, page
        entries += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert Counter(e["kind"] for e in entries) == Counter({"spend": 150, "fund_set": 1})
    status, _, account = call(f"{stack.url}/api/fund/units/daiyue/account?year={year}", headers=headers)
    assert account["balance_fen"] == 0 and account["spent_fen"] == 150 * 700
    status, _, report = call(f"{stack.url}/api/fund/units/daiyue/report?year={year}", headers=headers)
    row = report["items"][0]
    assert row["subtree_spent_fen"] == 150 * 700 and row["subtree_balance_fen"] == 0
