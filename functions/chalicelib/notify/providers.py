"""Where messages leave the system: one small interface per channel, the provider chosen by
configuration (docs/notifications.md).

Text messages (`SmsProvider.send`):
  - `sns`: AWS End User Messaging SMS through SNS Publish (the default in AWS; locally moto's SNS
    at SNS_ENDPOINT). SNS takes a whole text, so the text is rendered here with the signature.
  - `aliyun`: Alibaba Cloud SMS (dysmsapi 2017-05-25 SendSms) for a deployment inside China. It
    takes the registered template's code and the placeholder values; the signature is registered
    too. The endpoint is configurable (WS_ALIYUN_ENDPOINT), so tests reach a local fake of its API.
Unit alerts (`post_webhook`): a unit's 企业微信 or 钉钉 group robot, an HTTPS POST of a text message;
钉钉's robot is signed (timestamp + HMAC-SHA256 of "<timestamp>\\n<secret>").

A failure raises SendError, saying whether another attempt may succeed (throttling, a timeout, a
server error) or not (a number or template the provider refuses); the service retries the first.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core import config, templates
from chalicelib.core.config import settings

DEFAULT_SIGNATURE = "【泰安市总工会】"
# Said at the end of a worker's text where the provider takes whole texts (and registered with
# each template where it does not): how to stop messages without replying.
OPT_OUT_NOTE = "退订请到门户“退订短信通知”页办理。"
HTTP_TIMEOUT = 5.0
OFFICIAL_WEBHOOK_HOSTS = {"wecom": "qyapi.weixin.qq.com", "dingtalk": "oapi.dingtalk.com"}


class SendError(Exception):
    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:300]
        self.permanent = permanent


class SmsProvider(Protocol):
    name: str

    def send(self, phone: str, template_id: str, params: Mapping[str, str]) -> str:
        """Send one text; the provider's id for it."""
        ...


def signature() -> str:
    return os.environ.get("WS_SMS_SIGNATURE") or DEFAULT_SIGNATURE


def worker_text(template_id: str, params: Mapping[str, str]) -> str:
    """The whole text a worker reads: signature, the template filled in, the opt-out note for a
    worker's message."""
    text = templates.render(template_id, params, signature())
    return text + OPT_OUT_NOTE if templates.TEMPLATES[template_id].audience == "worker" else text


def alert_text(template_id: str, params: Mapping[str, str]) -> str:
    return templates.render(template_id, params, signature())


@dataclass
class Sns:
    """SNS Publish to a phone number (transactional SMS)."""

    endpoint: str | None
    region: str
    name: str = "sns"

    def _client(self) -> Any:
        kw: dict[str, Any] = {"region_name": self.region,
                              "config": Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=5)}
        if self.endpoint:
            kw["endpoint_url"] = self.endpoint
        return boto3.client("sns", **kw)

    def send(self, phone: str, template_id: str, params: Mapping[str, str]) -> str:
        try:
            answer = self._client().publish(
                PhoneNumber=f"+86{phone}", Message=worker_text(template_id, params),
                MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}})
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
            permanent = status < 500 and code not in ("Throttling", "ThrottlingException", "ThrottledException")
            raise SendError(f"sns {code or status}", permanent=permanent) from None
        except BotoCoreError as exc:
            raise SendError(f"sns {type(exc).__name__}") from None
        return str(answer["MessageId"])


# Alibaba Cloud SMS answer codes another attempt may get past (throttling, their side's trouble);
# every other code other than OK is the request's own fault.
_ALIYUN_TRANSIENT = {"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "isp.RAM_PERMISSION_DENY", "Throttling.User",
                     "SignatureNonceUsed", "ServiceUnavailable"}


@dataclass
class Aliyun:
    """Alibaba Cloud SMS: SendSms with the template's registered code and its values as JSON."""

    endpoint: str
    protocol: str
    access_key_id: str
    access_key_secret: str
    sign_name: str
    template_codes: Mapping[str, str]
    name: str = "aliyun"

    def send(self, phone: str, template_id: str, params: Mapping[str, str]) -> str:
        from alibabacloud_dysmsapi20170525 import models as sms_models
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as open_api_models
        from alibabacloud_tea_util import models as util_models

        code = self.template_codes.get(template_id)
        if not code:
            raise SendError(f"aliyun: template {template_id} has no registered code (WS_ALIYUN_TEMPLATE_CODES)",
                            permanent=True)
        templates.check(template_id, params)
        client = Client(open_api_models.Config(
            access_key_id=self.access_key_id, access_key_secret=self.access_key_secret,
            endpoint=self.endpoint, protocol=self.protocol, connect_timeout=2000, read_timeout=5000))
        request = sms_models.SendSmsRequest(phone_numbers=phone, sign_name=self.sign_name, template_code=code,
                                            template_param=json.dumps(dict(params), ensure_ascii=False))
        try:
            answer = client.send_sms_with_options(request, util_models.RuntimeOptions(autoretry=False))
        except Exception as exc:  # the SDK raises its own errors and the network's
            status = getattr(exc, "status_code", None) or getattr(exc, "statusCode", None)
            code_text = getattr(exc, "code", None) or type(exc).__name__
            permanent = isinstance(status, int) and 400 <= status < 500 and code_text not in _ALIYUN_TRANSIENT
            raise SendError(f"aliyun {code_text}", permanent=permanent) from None
        body = answer.body
        if body.code != "OK":
            raise SendError(f"aliyun {body.code}", permanent=body.code not in _ALIYUN_TRANSIENT)
        return str(body.biz_id)


def _aliyun_keys() -> tuple[str, str]:
    key_id = os.environ.get("WS_ALIYUN_ACCESS_KEY_ID", "")
    key_secret = os.environ.get("WS_ALIYUN_ACCESS_KEY_SECRET", "")
    arn = os.environ.get("WS_SMS_SECRET_ARN", "")
    if not key_id and arn:
        value = json.loads(boto3.client("secretsmanager", region_name=settings().region)
                           .get_secret_value(SecretId=arn)["SecretString"])
        key_id, key_secret = value["access_key_id"], value["access_key_secret"]
    if not key_id or not key_secret:
        raise RuntimeError("WS_SMS_PROVIDER=aliyun needs WS_ALIYUN_ACCESS_KEY_ID/SECRET or WS_SMS_SECRET_ARN")
    return key_id, key_secret


@lru_cache(maxsize=1)
def sms_provider() -> SmsProvider:
    """The configured text-message provider (WS_SMS_PROVIDER: sns, the default, or aliyun)."""
    kind = os.environ.get("WS_SMS_PROVIDER", "sns")
    if kind == "sns":
        return Sns(os.environ.get("SNS_ENDPOINT") or None, settings().region)
    if kind == "aliyun":
        key_id, key_secret = _aliyun_keys()
        return Aliyun(os.environ.get("WS_ALIYUN_ENDPOINT", "dysmsapi.aliyuncs.com"),
                      os.environ.get("WS_ALIYUN_PROTOCOL", "https"), key_id, key_secret,
                      signature().strip("【】"), json.loads(os.environ.get("WS_ALIYUN_TEMPLATE_CODES") or "{}"))
    raise RuntimeError(f"unknown WS_SMS_PROVIDER {kind!r} (sns or aliyun)")


config.on_reset(sms_provider.cache_clear)


# --- group robots --------------------------------------------------------------------------------

def webhook_url_problem(kind: str, url: str) -> str | None:
    """Why an address cannot be a unit's group robot (None when it can): HTTPS to the robot's own
    host, or a loopback address named in WS_WEBHOOK_LOOPBACK (local fakes in tests)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if os.environ.get("WS_WEBHOOK_LOOPBACK") == "1" and parts.scheme == "http":
        try:
            if ipaddress.ip_address(host).is_loopback:
                return None
        except ValueError:
            pass
    if parts.scheme != "https" or host != OFFICIAL_WEBHOOK_HOSTS.get(kind):
        return f"机器人地址须为 https://{OFFICIAL_WEBHOOK_HOSTS.get(kind, '?')}/ 开头的群机器人 Webhook 地址"
    return None


def dingtalk_signed(url: str, secret: str, now_ms: int | None = None) -> str:
    """钉钉's signed robot address: timestamp (ms) and sign = base64(HMAC-SHA256(secret,
    "<timestamp>\\n<secret>")), URL-encoded, added to the query."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


# Robot answer codes that another attempt may get past: too many messages a minute.
_ROBOT_TRANSIENT = {45009, 130101, -1}


def post_webhook(kind: str, url: str, secret: str | None, text: str) -> str:
    """Post a text message to a 企业微信 (wecom) or 钉钉 (dingtalk) group robot."""
    problem = webhook_url_problem(kind, url)
    if problem:
        raise SendError(f"{kind}: address refused", permanent=True)
    target = dingtalk_signed(url, secret) if kind == "dingtalk" and secret else url
    body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
    request = urllib.request.Request(target, data=body, method="POST",  # noqa: S310 - checked above
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise SendError(f"{kind} HTTP {exc.code}", permanent=400 <= exc.code < 500 and exc.code != 429) from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise SendError(f"{kind} {type(exc).__name__}") from None
    errcode = int(answer.get("errcode", -1))
    if errcode != 0:
        raise SendError(f"{kind} errcode {errcode}", permanent=errcode not in _ROBOT_TRANSIENT)
    return str(answer.get("msgid") or "")
