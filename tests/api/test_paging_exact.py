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
    ("/staff/support/units/city/rollup", ADMIN, 10),
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


# --- the overdue requests of a subtree --------------------------------------------------------------

LATER = "2999-01-01T00:00:00Z"  # every demo request's due time has passed


def _overdue(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, unit_id: str, who: tuple[str, str, list[str]],
             now: str) -> list[dict[str, Any]]:
    from chalicelib.support import views

    monkeypatch.setattr(views, "now_seconds", lambda: now)
    return [json.loads(r) for r in _walk(world, f"/staff/support/units/{unit_id}/overdue", who)]


def test_the_overdue_list_of_a_subtree_pages_exactly_most_overdue_first(world: SimpleNamespace,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo requests are handled by taishan: its own overdue list and the city's (from the items
    kept under each unit above) hold every unfinished one once, by due time, naming the unit; the
    city's overdue figure leaves them out."""
    queue = [json.loads(r) for r in _walk(world, "/staff/support/units/taishan/queue", CASEWORKER)]
    unfinished = sorted((r["due_at"], r["reference"], r["demo"]) for r in queue
                        if r["status"] not in {"resolved", "closed", "rejected"})
    assert len([d for _, _, d in unfinished if d]) > 2  # more than a page of demo requests
    for unit_id, who in (("taishan", CASEWORKER), ("city", ADMIN)):
        rows = _overdue(world, monkeypatch, unit_id, who, LATER)
        assert [(r["due_at"], r["reference"], r["demo"]) for r in rows] == unfinished, unit_id
        assert all(r["overdue"] and r["unit_name"] == "泰山区总工会" for r in rows), unit_id
    assert _overdue(world, monkeypatch, "daiyue", ("daiyue.caseworker", "daiyue", ["caseworker"]), LATER) == []
    from chalicelib.support import figures

    # listed above, but the city's figure counts no demo request
    assert figures.overdue_in_subtree("city", LATER) == len([d for _, _, d in unfinished if not d])


def _write_overdue(unit_id: str, due_at: list[str]) -> list[tuple[str, str]]:
    """Unfinished requests handled by the unit with these due times: the items the store's
    `open_request` and `list_open` put for a new request (the request, its open item and a due item
    under each unit above), written in batches (the in-process engine copies the table for every
    item of a transaction); their (due time, reference)."""
    from chalicelib.core import db
    from chalicelib.orgs import service as orgs
    from chalicelib.support import store

    path = orgs.unit_path(unit_id)
    written: list[tuple[str, str]] = []
    with db.table().batch_writer() as batch:
        for n, due in enumerate(due_at):
            reference = f"OVD{unit_id[-4:].upper()}{n:04d}"
            record = {"type": "support_request", "reference": reference, "category": "legal", "description": "逾期",
                      "name": "逾期求助人", "phone": "13905380000", "county_unit_id": "daiyue", "unit_id": unit_id,
                      "unit_path": path, "frontline": "no", "channel": "portal", "status": "submitted", "version": 1,
                      "created_at": "2999-01-01T00:00:00.000Z", "updated_at": "2999-01-01T00:00:00.000Z",
                      "due_at": due, "callback_attempts": 0}
            for op in [store.open_request(record), *store.list_open(record)]:
                assert op.kind == "Put"
                batch.put_item(Item=op.params["Item"])
            written.append((due, reference))
    return written


def test_a_sub_unit_with_more_overdue_requests_than_a_page_loses_none(world: SimpleNamespace,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A hospital under daiyue holds 110 overdue requests (more than a page of 50, more than 100) and
    daiyue 30 of its own, due at times that interleave: pages of 50, 50 and 40, most overdue first,
    each request once, no cursor after the last. (Their due times lie after the other tests' clock.)"""
    monkeypatch.delenv("WS_PAGE_SIZE")
    below = _write_overdue("demo-daiyue-hospital", [f"2999-06-01T{h:02d}:{m:02d}:00Z"
                                                    for h in range(11) for m in range(0, 60, 6)])
    own = _write_overdue("daiyue", [f"2999-06-01T{h:02d}:03:00Z" for h in range(0, 15, 2)]
                         + [f"2999-06-01T{h:02d}:{m:02d}:00Z" for h in (3, 7) for m in range(0, 60, 6)]
                         + ["2999-06-01T23:59:00Z"] * 2)
    assert len(below) == 110 and len(own) == 30
    from chalicelib.support import views

    monkeypatch.setattr(views, "now_seconds", lambda: "3000-01-01T00:00:00Z")
    headers = {"Authorization": f"Bearer {world.token('daiyue.caseworker', 'daiyue', ['caseworker'])}"}
    pages: list[list[dict[str, Any]]] = []
    cursors: list[str] = []
    cursor = None
    while len(pages) < 6:
        response = world.client.http.get("/staff/support/units/daiyue/overdue" + (f"?cursor={cursor}" if cursor
                                                                                  else ""), headers=headers)
        assert response.status_code == 200, response.body
        page = json.loads(response.body)
        pages.append(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
        cursors.append(cursor)
    assert [len(p) for p in pages] == [50, 50, 40]
    rows = [(r["due_at"], r["reference"]) for p in pages for r in p]
    assert rows == sorted(below + own)
    names = {r["reference"]: r["unit_name"] for p in pages for r in p}
    assert {names[ref] for _, ref in below} == {"岱岳区示范医院工会（演示）"}
    assert {names[ref] for _, ref in own} == {"岱岳区总工会"}
    # a cursor is bound to the list it came from
    elsewhere = world.client.http.get(f"/staff/support/units/demo-daiyue-hospital/overdue?cursor={cursors[0]}",
                                      headers=headers)
    assert elsewhere.status_code == 400 and "cursor" in elsewhere.body.decode()
