"""Logs carry internal ids, not mobile numbers or openids: the call sites, and the filter
that masks whatever slips through."""

import io
import logging

import pytest
from celery import signals

from config.logging import PersonalDataFilter, mask_personal_data
from tests.factories import SKUFactory
from tests.journeys import place_order
from tests.wechat_notices import payment_xml
from wechat.emulator.notices import signed_callback_url

OPENID = "oLVPpjqs9BhvzwPj5A-vTYAX3GLc"  # the shape of a real WeChat openid


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("phone 13800138000", "phone 138****8000"),
        ("手机13912345678，", "手机139****5678，"),
        ("+8613800138000", "+86138****8000"),
        ("138-0013-8000", "138****8000"),
        ('{"phone": "19912345678"}', '{"phone": "199****5678"}'),
        (f"openid={OPENID}&x=1", "openid=oLVP****Lc&x=1"),
        (f"<openid><![CDATA[{OPENID}]]></openid>", "<openid><![CDATA[oLVP****Lc]]></openid>"),
        ("member o_emu_xiaoming", "member o_em****ng"),
        ("user wx_o_test_12 logged in", "user wx_o_te****12 logged in"),
    ],
)
def test_mobile_numbers_and_openids_are_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "order 202611221030001234567890 paid",  # an order number: 24 digits
        "refund R20261122103000123456789 submitted",
        "withdrawal W20261122103000123456789",
        "transaction 4200000001202611220000000001",
        "12345678901 is not a mobile number, 138001380001 has 12 digits",
        "IntegrityError: order_line_pay_consistent violated in orders_cancel_expired",
        "ordinary words, official accounts, and outstanding_payments_overdue_reminders",
        "token Z2xvYmFsX29yZGVyX3JlZmVyZW5jZV9p and amount 13800 fen",
    ],
)
def test_order_numbers_and_ordinary_words_are_left_alone(text):
    assert mask_personal_data(text) == text


def record(msg, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("mall.test", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_the_filter_masks_the_message_its_arguments_and_the_traceback():
    try:
        raise ValueError(f"no member with phone 13800138000 ({OPENID})")
    except ValueError as exc:
        entry = record("payment for %s by %s failed", "13912345678", OPENID, exc_info=(ValueError, exc, exc.__traceback__))
    assert PersonalDataFilter().filter(entry) is True
    assert entry.getMessage() == "payment for 139****5678 by oLVP****Lc failed"
    assert "138****8000" in entry.exc_text and "13800138000" not in entry.exc_text and OPENID not in entry.exc_text


def test_a_record_without_personal_data_keeps_its_template():
    entry = record("refund %s refused: %s", "R20261122103000123456789", "NOTENOUGH")
    PersonalDataFilter().filter(entry)
    assert entry.msg == "refund %s refused: %s" and entry.args == ("R20261122103000123456789", "NOTENOUGH")


def test_a_broken_format_string_is_still_masked_not_raised():
    entry = record("paid %d", "13800138000")
    PersonalDataFilter().filter(entry)
    assert "13800138000" not in entry.getMessage()


@pytest.fixture
def console():
    """What the console handler configured in settings.LOGGING writes."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_the_configured_console_masks_what_a_logger_writes(console):
    logging.getLogger("mall.services.payments").warning("payer %s, phone %s", OPENID, "13800138000")
    logging.getLogger("django.request").error("Bad Request: /api/v1/me?phone=13800138000")
    written = console.getvalue()
    assert "payer oLVP****Lc, phone 138****8000" in written
    assert "/api/v1/me?phone=138****8000" in written
    assert OPENID not in written and "13800138000" not in written


def test_a_celery_workers_own_handlers_get_the_filter_too():
    worker_root = logging.Logger("worker-root")
    worker_root.addHandler(logging.StreamHandler(io.StringIO()))
    signals.after_setup_logger.send(sender=None, logger=worker_root, loglevel=logging.INFO, logfile=None, format="", colorize=False)
    assert any(isinstance(f, PersonalDataFilter) for f in worker_root.handlers[0].filters)


class RawRecords(logging.Handler):
    """Sees every record before the console's filter masks it: what the call sites wrote."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record):
        self.texts.append(record.getMessage() + (logging.Formatter().formatException(record.exc_info) if record.exc_info else ""))


@pytest.fixture
def raw_logs():
    root = logging.getLogger()
    handler, level = RawRecords(), root.level
    root.handlers.insert(0, handler)
    root.setLevel(logging.DEBUG)
    yield handler.texts
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.django_db
def test_payment_notifications_log_no_openid_or_phone(client, member_api, member, raw_logs):
    order = place_order(member_api, SKUFactory(price_fen=6000, stock=10), 1)
    member_api.post(f"/api/v1/orders/{order.number}/pay")
    notify = "/wechat/pay/notify/"
    bodies = [
        payment_xml(out_trade_no=order.number, total_fee=order.pay_fen, openid=OPENID),  # genuine: logged as paid
        payment_xml(out_trade_no=order.number, total_fee=order.pay_fen + 1, openid=OPENID),  # wrong amount: refused
        payment_xml(out_trade_no="202611221030009999999999", total_fee=100, openid=OPENID),  # unknown order: refused
        payment_xml(out_trade_no=order.number, total_fee=order.pay_fen, openid=OPENID, key="not-our-key" * 3),  # bad signature
    ]
    for body in bodies:
        assert client.post(notify, body, content_type="text/xml").status_code == 200
    logged = "\n".join(raw_logs)
    assert order.number in logged  # the internal id is what the lines name
    for personal in (OPENID, member.openid, order.receiver_phone, order.receiver_name):
        assert personal not in logged


@pytest.mark.django_db
def test_an_unreadable_official_account_message_is_logged_without_its_body(client, raw_logs):
    body = f"<xml><FromUserName><![CDATA[{OPENID}]]></FromUserName><MsgType>text".encode()
    client.post(signed_callback_url("/wechat/callback/"), body, content_type="text/xml")
    assert any("unreadable official-account message" in text for text in raw_logs)
    assert OPENID not in "\n".join(raw_logs)
