"""The Aliyun SMS adapter: signed as Aliyun documents it, sent through the outbox to a fake server on loopback."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from roundtable.extensions import db
from roundtable.notifications.aliyun import sign
from roundtable.notifications.dispatcher import deliver_due_messages
from roundtable.notifications.models import OutboxMessage
from roundtable.notifications.operations import queue_message

SECRET = "fake-secret"


def test_signature_matches_aliyuns_documented_example():
    # The example request and signature of Aliyun's SendSms documentation (secret "testSecret").
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert sign(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


class FakeAliyun(BaseHTTPRequestHandler):
    """Checks the signature the way the gateway does, answers OK or an error code like Aliyun's."""

    received: list[dict] = []
    answer_code = "OK"

    def do_GET(self):  # noqa: N802 - http.server's name
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        signature = params.pop("Signature", "")
        if sign(params, SECRET) != signature:
            body, status = {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}, 400
        else:
            FakeAliyun.received.append(params)
            body, status = {"Code": FakeAliyun.answer_code, "Message": "OK" if FakeAliyun.answer_code == "OK" else "触发分钟级流控",
                            "RequestId": "fake", "BizId": "123^0"}, 200
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(app):
    """A fake Aliyun SMS endpoint on 127.0.0.1; the app configured to send SMS through it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAliyun)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeAliyun.received = []
    FakeAliyun.answer_code = "OK"
    saved = {k: app.config.get(k) for k in ("NOTIFY_SENDERS", "ALIYUN_SMS_ENDPOINT", "ALIYUN_SMS_ACCESS_KEY_ID",
                                             "ALIYUN_SMS_ACCESS_KEY_SECRET", "ALIYUN_SMS_SIGN_NAME", "ALIYUN_SMS_TEMPLATE_CODE")}
    app.config.update(NOTIFY_SENDERS={"email": "log", "sms": "aliyun"},
                      ALIYUN_SMS_ENDPOINT=f"http://127.0.0.1:{server.server_port}/", ALIYUN_SMS_ACCESS_KEY_ID="fake-id",
                      ALIYUN_SMS_ACCESS_KEY_SECRET=SECRET, ALIYUN_SMS_SIGN_NAME="圆桌议事",
                      ALIYUN_SMS_TEMPLATE_CODE="SMS_000001")
    yield server
    app.config.update(saved)
    server.shutdown()
    server.server_close()


def test_an_sms_goes_out_through_the_outbox(app, gateway):
    queue_message("sms", "138 1234 5678", "办理结果评价", "请评价:https://example.org/s/abcdefghijklmnop 谢谢")
    db.session.commit()
    assert deliver_due_messages(app) == 1
    (params,) = FakeAliyun.received
    assert params["PhoneNumbers"] == "13812345678" and params["SignName"] == "圆桌议事"
    assert json.loads(params["TemplateParam"]) == {"title": "办理结果评价", "link": "https://example.org/s/abcdefghijklmnop"}
    message = db.session.scalar(db.select(OutboxMessage))
    assert message.status == "sent"


def test_a_refusal_is_recorded_and_retried(app, gateway):
    FakeAliyun.answer_code = "isv.BUSINESS_LIMIT_CONTROL"
    queue_message("sms", "13812345678", "提醒", "正文")
    db.session.commit()
    assert deliver_due_messages(app) == 0
    message = db.session.scalar(db.select(OutboxMessage))
    assert message.status == "pending" and "BUSINESS_LIMIT_CONTROL" in message.last_error


def test_a_wrong_secret_is_a_failure_not_a_silent_drop(app, gateway):
    app.config["ALIYUN_SMS_ACCESS_KEY_SECRET"] = "not-the-secret"
    queue_message("sms", "13812345678", "提醒", "正文")
    db.session.commit()
    assert deliver_due_messages(app) == 0
    assert "SignatureDoesNotMatch" in db.session.scalar(db.select(OutboxMessage)).last_error


def test_missing_configuration_is_a_failure(app, gateway):
    app.config["ALIYUN_SMS_TEMPLATE_CODE"] = ""
    queue_message("sms", "13812345678", "提醒", "正文")
    db.session.commit()
    assert deliver_due_messages(app) == 0
    assert "ALIYUN_SMS" in db.session.scalar(db.select(OutboxMessage)).last_error
    assert FakeAliyun.received == []


def test_an_unreachable_gateway_is_retried(app, gateway):
    app.config["ALIYUN_SMS_ENDPOINT"] = "http://127.0.0.1:9/"
    queue_message("sms", "13812345678", "提醒", "正文")
    db.session.commit()
    assert deliver_due_messages(app) == 0
    assert "连接失败" in db.session.scalar(db.select(OutboxMessage)).last_error
