"""Records by their address on the full local stack: every staff role reaches a record through the
address alone (a new tab, a bookmark, a link from a colleague), after signing in when needed, acts
on it, and comes back to its list with the browser's back button; paging never repeats a row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.stack import demo_password, submit_sign_in
from tests.conftest import skip_or_fail
from tools import engines


@pytest.fixture(scope="module")
def stack(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    reason = engines.dynamodb_local_available()
    if reason:
        skip_or_fail(f"DynamoDB Local cannot run: {reason}")
    from tools.localstack import start_stack

    running, _ = start_stack(tmp_path_factory.mktemp("var"), port=0, site_dir=built_site, engine="dynamodb-local",
                             seed_staff=True)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    yield context.new_page()
    context.close()


def file_requests(count: int, county: str = "taishan", category: str = "legal") -> list[str]:
    """Requests taken down by a contact person for a family (the stack's API runs in this process)."""
    from chalicelib.support import service
    from chalicelib.support.models import ContactRecordedIn

    references = []
    for n in range(count):
        body = ContactRecordedIn(category=category, description=f"停工期间的工资怎么算（第 {n + 1} 问）",
                                 name="王建国", phone=f"1390013{n:04d}", county_unit_id=county)
        references.append(service.submit(body, None).reference)
    return references


def arrive(page: Any, url: str, username: str) -> None:
    """Open a record's address in a fresh tab: the sign-in page comes first, then the address."""
    page.goto(url, wait_until="load")
    page.locator("#ws-signin").wait_for(timeout=20_000)
    submit_sign_in(page, username, demo_password())
    page.wait_for_url(url, timeout=20_000)


@pytest.mark.browser
def test_a_request_by_its_address_acted_on_and_back_to_the_paged_queue(stack, desk, monkeypatch):
    from chalicelib.support import views

    monkeypatch.setattr(views, "PAGE", 3)
    references = file_requests(7)
    page = desk
    # a colleague's link to the queue filtered to new requests
    queue_url = f"{stack.url}/staff/support/?status=submitted"
    arrive(page, queue_url, "taishan.caseworker")
    queue = page.locator('[data-role="queue"]')
    more = page.locator('[data-role="more"]')
    queue.locator("tbody tr").first.wait_for(timeout=20_000)
    assert page.locator("#support-filter-status").input_value() == "submitted"
    while more.is_visible():
        shown = queue.locator("tbody tr").count()
        more.click()
        expect(queue.locator("tbody tr")).not_to_have_count(shown)  # each page adds rows not shown yet
    rows = queue.locator("tbody tr").evaluate_all("rs => rs.map(r => r.dataset.reference)")
    assert sorted(rows) == sorted(references)  # every request once, no page twice
    assert more.is_hidden()

    # open one: its own address, the summary, labels rather than codes
    chosen = references[1]
    queue.get_by_role("link", name=chosen).click()
    page.wait_for_url(f"{stack.url}/staff/support/?status=submitted&ref={chosen}")
    detail = page.locator('[data-role="detail"]')
    detail.locator(".ws-summary").filter(has_text=chosen).wait_for(timeout=20_000)
    assert page.locator('[data-ws-view="list"]').first.is_hidden()
    text = detail.inner_text()
    assert "门户网站" in text and "portal" not in text
    assert "求助人本人" in detail.locator(".ws-history").inner_text()
    assert "public" not in text
    # the refusal's reason is asked for only when refusing
    reason = detail.locator('[name="reason"]')
    assert reason.is_hidden()
    detail.locator("#support-to").select_option("rejected")
    assert reason.is_visible()
    detail.locator("#support-to").select_option("accepted")
    assert reason.is_hidden()
    detail.get_by_role("button", name="确认变更").click()
    page.locator('[data-role="detail-status"]').filter(has_text="已变更为：已受理").wait_for(timeout=20_000)
    assert "已受理" in detail.locator(".ws-badge").inner_text()

    # back to the queue, still filtered; the accepted request has left it
    page.go_back()
    page.wait_for_url(queue_url)
    queue.locator("tbody tr").first.wait_for(timeout=20_000)
    assert detail.is_hidden()
    expect(queue.locator(f'tr[data-reference="{chosen}"]')).to_have_count(0)
    # forward again shows the request, now accepted
    page.go_forward()
    detail.locator(".ws-badge").filter(has_text="已受理").wait_for(timeout=20_000)
