"""A finance account without a second factor enrols a TOTP authenticator on the sign-in page
(QR code drawn in the browser by the vendored library, the secret as text), and from then on signs
in with a code; against the FULL local stack (moto's Cognito checks the codes), on a phone and on a
desktop screen."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.browser.stack import Running, Watch, answer_totp, axe_problems, full_stack, sign_in
from tests.staff_accounts import PASSWORD, put_staff_record
from tools.cognito import Pool, create_staff_user, steady_totp_code

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 800}}


@pytest.fixture(scope="module")
def stack(built_site: Path) -> Iterator[Running]:
    with full_stack(built_site) as running:
        yield running


def _new_finance(stack: Running, username: str) -> None:
    """A finance account made as the workbench makes one, its password already set, no TOTP yet."""
    import os

    idp = boto3.client("cognito-idp", endpoint_url=stack.cognito, region_name="us-east-1")
    pool = Pool(os.environ["COGNITO_USER_POOL_ID"], os.environ["COGNITO_CLIENT_ID"], "us-east-1")
    create_staff_user(idp, pool, username, "新财务", "daiyue", ["finance"], PASSWORD)
    put_staff_record(username, "daiyue", ["finance"], name="新财务", mfa=False)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_finance_enrols_an_authenticator_then_signs_in_with_its_code(browser, stack, screenshots, size):
    username = f"enrol.{size}"
    _new_finance(stack, username)
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", device_scale_factor=1)
    watch = Watch(stack.cognito)
    api_bodies: list[str] = []
    try:
        page = watch.attach(context.new_page())
        page.on("request", lambda r: api_bodies.append(f"{r.url} {r.post_data or ''}") if "/api/" in r.url else None)
        sign_in(page, stack.url, username, PASSWORD, arrive=False)

        setup = page.locator("#ws-mfa-setup")
        setup.wait_for(state="visible")
        qr = setup.locator('[data-role="qr"] canvas')
        qr.wait_for()
        secret = setup.locator('[data-role="secret"]').inner_text().replace(" ", "")
        assert len(secret) >= 12
        box = qr.bounding_box()
        assert box and box["width"] >= 150 and box["height"] >= 150
        dark = page.evaluate("""() => {
            const c = document.querySelector('#ws-mfa-setup canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++;
            return n / (d.length / 4);
        }""")
        assert 0.2 < dark < 0.6, dark  # a drawn QR code, not a blank box
        page.screenshot(path=str(screenshots / f"staff-mfa-enrol-{size}.png"), full_page=True)
        assert axe_problems(page, "enrolment") == []

        code = setup.locator('[name="code"]')
        code.fill("000000" if steady_totp_code(secret) != "000000" else "111111")
        setup.locator('button[type="submit"]').click()
        setup.locator(".ws-error").filter(has_text="动态码不正确").wait_for()
        code.fill(steady_totp_code(secret))
        setup.locator('button[type="submit"]').click()
        page.wait_for_url(stack.url + "/staff/workbench/")
        page.locator(".ws-me").wait_for()
        assert page.locator(".ws-staff-nav a.ws-tile", has_text="防控专项资金").count() == 1

        # Signed out and in again: now the code is asked for.
        page.locator(".ws-me button.ws-signout").click()
        page.wait_for_url(stack.url + "/staff/")
        sign_in(page, stack.url, username, PASSWORD, arrive=False)
        totp = page.locator("#ws-totp")
        totp.wait_for(state="visible")
        page.screenshot(path=str(screenshots / f"staff-mfa-code-{size}.png"), full_page=True)
        assert axe_problems(page, "code") == []
        answer_totp(page, secret)
        page.wait_for_url(stack.url + "/staff/workbench/")
        page.locator(".ws-me").wait_for()

        assert not any(secret in body or secret.lower() in body for body in api_bodies), "the secret reached our API"
        assert any(url.endswith("/assets/javascripts/vendor/qrcode-generator.js") for url in watch.requests)
        assert watch.foreign_hosts() == set()
        # The only console errors: the API's 403 mfa-required before enrolment.
        assert [e for e in watch.console_errors if "403" not in e] == []
    finally:
        context.close()


def test_before_enrolment_the_workbench_sends_finance_back_to_enrol(browser, stack):
    _new_finance(stack, "enrol.later")
    context = browser.new_context(viewport=SIZES["phone"], locale="zh-CN")
    try:
        page = context.new_page()
        sign_in(page, stack.url, "enrol.later", PASSWORD, arrive=False)
        page.locator("#ws-mfa-setup").wait_for(state="visible")
        page.goto(stack.url + "/staff/fund/", wait_until="load")  # straight to a page, not enrolled
        page.wait_for_url(stack.url + "/staff/")
        page.locator("#ws-mfa-setup").wait_for(state="visible")
        session = json.loads(page.evaluate("() => sessionStorage.getItem('ws.staff.session')") or "{}")
        assert session.get("idToken")  # still signed in: only enrolment is left to do
    finally:
        context.close()
