"""Every paged list, walked to its end two items a page over the demo data set: no row twice, no page
empty while a cursor led to it, and no cursor after the last row (also when the last page is exactly
full). Filtered lists (by status, by scope, by what a record still is) fill their pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import scans_allowed
from tools import demo, seed

HOSPITAL = demo.HOSPITAL


@pytest.fixture(scope="module")
def world(shared: SimpleNamespace) -> Iterator[SimpleNamespace]:
    shared.reset()
    seed.seed_staff_records(seed.load_staff()["staff"])
    with scans_allowed():
        assert demo.seed_demo() == "seeded"
    session = json.loads(shared.client.http.get("/sessions?kind=fair").body)["items"][0]["id"]
    yield SimpleNamespace(**vars(shared), fair=session)


@pytest.fixture(autouse=True)
def _two_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WS_PAGE_SIZE", "2")


def _walk(world: SimpleNamespace, path: str, who: tuple[str, str, list[str]] | None) -> list[str]:
    """Every row of a list, page by page; fails on a repeat, an empty page or too many pages."""
    headers = {"Authorization": f"Bearer {world.token(*who)}"} if who else {}
    rows: list[str] = []
    cursor = None
    for number in range(30):
        joined = path + ("&" if "?" in path else "?") + f"cursor={cursor}" if cursor else path
        response = world.client.http.get(joined, headers=headers)
        assert response.status_code == 200, (path, response.body)
        page = json.loads(response.body)
        assert len(page["items"]) <= 2, (path, number)
        assert page["items"] or number == 0, f"{path}: a cursor led to an empty page {number}"
        assert len(page["items"]) == 2 or not page.get("next_cursor"), f"{path}: a short page with a cursor"
        rows += [json.dumps(item, sort_keys=True, ensure_ascii=False) for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    else:
        pytest.fail(f"{path}: no end after 30 pages")
    assert len(rows) == len(set(rows)), f"{path}: a row shown twice"
    return rows


ADMIN = ("city.admin", "city", ["city_admin"])
CASEWORKER = ("taishan.caseworker", "taishan", ["caseworker"])

# (path, caller, at least this many rows in the demo set: enough for more than one page)
LISTS = [
    ("/staff/support/units/taishan/queue", CASEWORKER, 7),
    ("/staff/support/units/taishan/queue?status=submitted", CASEWORKER, 1),
    ("/staff/support/hotline/intakes", ("city.hotline", "city", ["hotline_operator"]), 3),
    (f"/staff/frontline/units/{HOSPITAL}/personnel", ADMIN, 4),
    ("/staff/frontline/my-families", ("hospital.contact", HOSPITAL, ["contact_person"]), 2),
    ("/staff/units/taishan/sessions", CASEWORKER, 3),
    ("/staff/sessions/{fair}/registrations", CASEWORKER, 5),
    ("/staff/sessions/{fair}/registrations?status=confirmed", CASEWORKER, 3),
    ("/staff/sessions/{fair}/registrations?status=waitlisted", CASEWORKER, 2),
    (f"/fund/units/{HOSPITAL}/ledger", ADMIN, 3),
    ("/hardship/units/taishan/workers", CASEWORKER, 2),
    ("/staff/units/taishan/firms?status=approved", CASEWORKER, 1),
    ("/units/city/subtree", None, 10),
    ("/admin/units/city/staff", ADMIN, 3),
    ("/sessions?kind=fair", None, 1),
    ("/openings", None, 1),
    ("/public/cases", None, 1),
]


@pytest.mark.parametrize(("path", "who", "least"), LISTS, ids=[p for p, _, _ in LISTS])
def test_a_list_pages_to_its_end_exactly(world: SimpleNamespace, path: str, who: Any, least: int) -> None:
    rows = _walk(world, path.format(fair=world.fair), who)
    assert len(rows) >= least, (path, len(rows))


def test_a_filter_that_drops_rows_still_fills_its_pages(world: SimpleNamespace) -> None:
    """The queue filtered to one status holds rows far apart in the partition; the exact walk finds
    each of them once, the same as the unfiltered walk does."""
    everything = [json.loads(r) for r in _walk(world, "/staff/support/units/taishan/queue", CASEWORKER)]
    for status in {r["status"] for r in everything}:
        chosen = [json.loads(r)["reference"] for r in
                  _walk(world, f"/staff/support/units/taishan/queue?status={status}", CASEWORKER)]
        assert chosen == [r["reference"] for r in everything if r["status"] == status]


MARKED = ["/staff/support/units/taishan/queue", f"/staff/frontline/units/{HOSPITAL}/personnel",
          "/staff/units/taishan/sessions", f"/fund/units/{HOSPITAL}/ledger", "/hardship/units/taishan/workers",
          "/staff/units/taishan/firms?status=approved", "/reports?status=published"]


def test_demo_records_come_marked_and_others_do_not(world: SimpleNamespace) -> None:
    from tests.api.helpers import new_key, post_json, support_body

    for path in MARKED:
        rows = [json.loads(r) for r in _walk(world, path, ADMIN if "ledger" in path or "reports" in path
                                              else CASEWORKER)]
        assert rows and all(r["demo"] is True for r in rows), path
    reference = json.loads(post_json(world.client, "/support-requests", support_body(), new_key()).body)["reference"]
    token = world.token(*CASEWORKER)
    mine = json.loads(world.client.http.get(f"/staff/support/requests/{reference}",
                                            headers={"Authorization": f"Bearer {token}"}).body)
    assert mine["demo"] is False
