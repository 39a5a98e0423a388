"""Each provider adapter against a local server speaking its API: moto's SNS, and fakes of Alibaba
Cloud SMS and the 企业微信 / 钉钉 group robots (real HTTP servers on 127.0.0.1)."""

import base64
import hashlib
import hmac
import json
import urllib.parse

import pytest

from chalicelib.notify import providers
from tests.unit.fake_robots import FakeApi, acs3_signature
from tools import engines

PARAMS = {"ref": "ZF7K-3QW9"}


@pytest.fixture
def fake_api():
    apis = []

    def start(*answers):
        api = FakeApi(list(answers))
        apis.append(api)
        return api

    yield start
    for api in apis:
        api.stop()


def test_sns_publishes_the_whole_text_to_the_phone_as_a_transactional_sms() -> None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    moto = engines.start_moto()
    try:
        sns = providers.Sns(moto.endpoint, "us-east-1")
        message_id = sns.send("13800138000", "support_accepted", PARAMS)
        phone, text = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages[message_id]
        assert phone == "+8613800138000"
        assert text == "【泰安市总工会】您的求助（编号ZF7K-3QW9）已受理，工作人员会与您联系。" + providers.OPT_OUT_NOTE
        with pytest.raises(providers.SendError) as refused:
            sns.send("138-0013", "support_accepted", PARAMS)  # moto, as SNS, refuses a number not in E.164
        assert refused.value.permanent
    finally:
        moto.stop()


def test_sns_that_cannot_be_reached_is_worth_another_attempt() -> None:
    with pytest.raises(providers.SendError) as failed:
        providers.Sns(f"http://127.0.0.1:{engines.free_port()}", "us-east-1").send("13800138000", "support_accepted",
                                                                                    PARAMS)
    assert not failed.value.permanent


def _aliyun(api, codes=None):
    return providers.Aliyun(api.url.removeprefix("http://"), "http", "LTAI-test", "secret-of-the-key", "泰安市总工会",
                            codes if codes is not None else {"support_accepted": "SMS_270001"})


def test_aliyun_sends_the_registered_template_code_with_its_values_signed(fake_api) -> None:
    api = fake_api((200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r1"}))
    assert _aliyun(api).send("13800138000", "support_accepted", PARAMS) == "900619746936498440^0"
    request = api.requests[0]
    assert request["headers"]["x-acs-action"] == "SendSms" and request["headers"]["x-acs-version"] == "2017-05-25"
    assert request["query"] == {"PhoneNumbers": "13800138000", "SignName": "泰安市总工会", "TemplateCode": "SMS_270001",
                                "TemplateParam": json.dumps(PARAMS)}
    authorization = request["headers"]["Authorization"]
    assert authorization.startswith("ACS3-HMAC-SHA256 Credential=LTAI-test,")
    assert authorization.endswith("Signature=" + acs3_signature(request, "secret-of-the-key"))


def test_aliyun_refusals_say_whether_to_try_again(fake_api) -> None:
    api = fake_api((200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发天级流控", "RequestId": "r"}),
                   (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "r"}),
                   (503, {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": "r"}))
    outcomes = []
    for _ in range(3):
        with pytest.raises(providers.SendError) as refused:
            _aliyun(api).send("13800138000", "support_accepted", PARAMS)
        outcomes.append((refused.value.reason, refused.value.permanent))
    assert outcomes == [("aliyun isv.BUSINESS_LIMIT_CONTROL", False), ("aliyun isv.MOBILE_NUMBER_ILLEGAL", True),
                        ("aliyun ServiceUnavailable", False)]


def test_aliyun_refuses_a_template_without_a_registered_code_before_calling(fake_api) -> None:
    api = fake_api((200, {"Code": "OK", "BizId": "1", "RequestId": "r"}))
    with pytest.raises(providers.SendError) as refused:
        _aliyun(api, {}).send("13800138000", "support_accepted", PARAMS)
    assert refused.value.permanent and api.requests == []


def test_wecom_robot_gets_a_text_message(fake_api, monkeypatch) -> None:
    monkeypatch.setenv("WS_WEBHOOK_LOOPBACK", "1")
    api = fake_api((200, {"errcode": 0, "errmsg": "ok"}), (200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    providers.post_webhook("wecom", f"{api.url}/cgi-bin/webhook/send?key=robot-key", None, "泰山区总工会有3条新的求助")
    assert api.requests[0]["query"] == {"key": "robot-key"}
    assert json.loads(api.requests[0]["body"]) == {"msgtype": "text", "text": {"content": "泰山区总工会有3条新的求助"}}
    with pytest.raises(providers.SendError) as throttled:
        providers.post_webhook("wecom", f"{api.url}/cgi-bin/webhook/send?key=robot-key", None, "再一条")
    assert not throttled.value.permanent


def test_dingtalk_robot_requests_are_signed_with_timestamp_and_hmac(fake_api, monkeypatch) -> None:
    monkeypatch.setenv("WS_WEBHOOK_LOOPBACK", "1")
    api = fake_api((200, {"errcode": 0, "errmsg": "ok"}), (200, {"errcode": 310000, "errmsg": "sign not match"}))
    secret = "SEC0123456789abcdef"
    providers.post_webhook("dingtalk", f"{api.url}/robot/send?access_token=tok", secret, "每日超时求助汇总")
    query = api.requests[0]["query"]
    expected = base64.b64encode(hmac.new(secret.encode(), f"{query['timestamp']}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["access_token"] == "tok" and query["sign"] == expected
    assert json.loads(api.requests[0]["body"])["text"]["content"] == "每日超时求助汇总"
    with pytest.raises(providers.SendError) as refused:
        providers.post_webhook("dingtalk", f"{api.url}/robot/send?access_token=tok", "wrong", "x")
    assert refused.value.permanent


def test_a_robot_address_must_be_the_robot_hosts_over_https(monkeypatch) -> None:
    monkeypatch.delenv("WS_WEBHOOK_LOOPBACK", raising=False)
    assert providers.webhook_url_problem("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k") is None
    assert providers.webhook_url_problem("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t") is None
    for kind, url in [("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
                      ("dingtalk", "https://qyapi.weixin.qq.com/robot/send"),
                      ("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send"),
                      ("wecom", "https://169.254.169.254/latest/meta-data")]:
        assert providers.webhook_url_problem(kind, url), url
    with pytest.raises(providers.SendError):
        providers.post_webhook("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send", None, "x")


def test_the_dingtalk_signature_is_url_encoded() -> None:
    url = providers.dingtalk_signed("https://oapi.dingtalk.com/robot/send?access_token=t", "s", now_ms=1582000000000)
    sign = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["sign"][0]
    assert sign == base64.b64encode(hmac.new(b"s", b"1582000000000\ns", hashlib.sha256).digest()).decode()
