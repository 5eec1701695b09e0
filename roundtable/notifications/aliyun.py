"""Aliyun SMS (短信服务, dysmsapi 2017-05-25 ``SendSms``) through its documented HTTP API, signed here.

Configuration (``NOTIFY_SMS_SENDER=aliyun``): ``ALIYUN_SMS_ACCESS_KEY_ID``,
``ALIYUN_SMS_ACCESS_KEY_SECRET``, ``ALIYUN_SMS_SIGN_NAME``, ``ALIYUN_SMS_TEMPLATE_CODE``,
and ``ALIYUN_SMS_ENDPOINT`` (tests point it at a fake server on 127.0.0.1).

Aliyun sends only approved templates, so the outbox message becomes the
template's two variables: ``title`` (the subject) and ``link`` (the first web
address in the body, or empty). The template approved for Roundtable reads
e.g. 「${title},详情:${link}」.

Signing follows Aliyun's RPC signature version 1.0: the parameters sorted by
name, each name and value percent-encoded (RFC 3986; ``~`` stays), joined
with ``&``; the string to sign is ``GET&%2F&`` + the encoded query; the
signature is base64(HMAC-SHA1(secret + "&", string to sign)).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime
from urllib.error import HTTPError, URLError
from urllib.parse import quote
from urllib.request import Request, urlopen

from flask import Flask
from flask_babel import gettext

from roundtable.notifications.models import OutboxMessage
from roundtable.notifications.senders import SendError

_URL = re.compile(r"https?://\S+")
TITLE_MAX = 35  # Aliyun's limit for one template variable


def percent_encode(value: str) -> str:
    return quote(value, safe="~")


def sign(params: dict[str, str], secret: str, method: str = "GET") -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsSender:
    def __init__(self, app: Flask):
        config = app.config
        self.endpoint = (config.get("ALIYUN_SMS_ENDPOINT") or "").rstrip("/") + "/"
        self.key_id = config.get("ALIYUN_SMS_ACCESS_KEY_ID") or ""
        self.secret = config.get("ALIYUN_SMS_ACCESS_KEY_SECRET") or ""
        self.sign_name = config.get("ALIYUN_SMS_SIGN_NAME") or ""
        self.template = config.get("ALIYUN_SMS_TEMPLATE_CODE") or ""
        self.region = config.get("ALIYUN_SMS_REGION") or "cn-hangzhou"
        self.timeout = float(config.get("ALIYUN_SMS_TIMEOUT") or 10)

    def params_for(self, message: OutboxMessage, now: datetime | None = None, nonce: str | None = None) -> dict[str, str]:
        link = _URL.search(message.body or "")
        variables = {"title": (message.subject or "")[:TITLE_MAX], "link": link.group(0) if link else ""}
        return {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.recipient,
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template,
            "TemplateParam": json.dumps(variables, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }

    def send(self, message: OutboxMessage) -> None:
        if not (self.key_id and self.secret and self.sign_name and self.template):
            raise SendError("未配置阿里云短信(ALIYUN_SMS_ACCESS_KEY_ID、ALIYUN_SMS_ACCESS_KEY_SECRET、"
                            "ALIYUN_SMS_SIGN_NAME、ALIYUN_SMS_TEMPLATE_CODE)。")
        if message.channel != "sms":
            raise SendError("阿里云短信只发送短信渠道的消息。")
        params = self.params_for(message)
        params["Signature"] = sign(params, self.secret)
        query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())
        try:
            with urlopen(Request(f"{self.endpoint}?{query}", method="GET"), timeout=self.timeout) as response:
                raw = response.read()
        except HTTPError as exc:
            raw = exc.read()
        except (URLError, OSError) as exc:
            raise SendError(gettext("阿里云短信连接失败:%(error)s", error=f"{exc.__class__.__name__}: {exc}")) from exc
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise SendError("阿里云短信返回了无法识别的内容。") from exc
        if answer.get("Code") != "OK":
            raise SendError(gettext("阿里云短信拒绝发送:%(error)s", error=f"{answer.get('Code')}: {answer.get('Message')}"))

