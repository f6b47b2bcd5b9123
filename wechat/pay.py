"""WeChat Pay (API v2) through wechatpy: JSAPI orders, notifications, queries, refunds.

The rest of the project calls these functions and gets plain data back; wechatpy's
exceptions stop here and come out as `PayError` (WeChat said no, or could not be
reached) or `InvalidNotification` (something that is not a genuine notification).
"""

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime
from pyexpat import ParserCreate
from urllib.parse import urlencode

import requests
import xmltodict
from django.conf import settings
from django.utils import timezone
from wechatpy.exceptions import InvalidAppIdException, InvalidMchIdException, WeChatPayException
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from wechat.client import PayClient, emulator_enabled, emulator_url

logger = logging.getLogger(__name__)

WECHAT_TIME = "%Y%m%d%H%M%S"  # WeChat Pay's times: Beijing time, no separators


class PayError(Exception):
    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.code = code  # WeChat's err_code (ORDERPAID, NOTENOUGH …) when it gave one


class InvalidNotification(Exception):
    """Not a genuine, well-formed notification for this merchant."""


@dataclass(frozen=True)
class PaymentNotice:
    out_trade_no: str
    transaction_id: str
    total_fee: int
    openid: str
    paid_at: datetime | None


@dataclass(frozen=True)
class TradeState:
    state: str  # SUCCESS, NOTPAY, CLOSED, REFUND, USERPAYING, PAYERROR, REVOKED, NOTEXIST
    notice: PaymentNotice | None  # the payment, when state is SUCCESS or REFUND


@dataclass(frozen=True)
class RefundNotice:
    out_refund_no: str
    out_trade_no: str
    refund_id: str
    refund_fee: int
    status: str  # SUCCESS, CHANGE (failed), REFUNDCLOSE
    succeeded_at: datetime | None


def _call(action: str, api_call):
    try:
        return _signed_by_wechat(action, api_call())
    except WeChatPayException as exc:
        raise PayError(f"{action}: {exc.errmsg or exc.return_msg or exc}", code=exc.errcode or exc.result_code or "") from exc
    except requests.RequestException as exc:
        raise PayError(f"{action}: {exc}") from exc


def _signed_by_wechat(action: str, data) -> dict:
    """wechatpy does not check the signature of WeChat's answers; a payment decision
    must not rest on an unsigned one."""
    if not isinstance(data, dict) or not PayClient().check_signature(dict(data)):
        raise PayError(f"{action}: the answer is not signed by WeChat Pay")
    return data


def _wechat_time(value: datetime) -> datetime:
    return timezone.localtime(value, timezone.get_fixed_timezone(8 * 60))


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        naive = datetime.strptime(value, WECHAT_TIME)
    except ValueError:
        return None
    return timezone.make_aware(naive, timezone.get_fixed_timezone(8 * 60))


def create_jsapi_payment(
    *,
    out_trade_no: str,
    body: str,
    total_fee: int,
    openid: str,
    client_ip: str,
    notify_url: str,
    starts_at: datetime,
    expires_at: datetime,
) -> str:
    """Place a JSAPI unified order; returns its prepay_id. Placing the same out_trade_no
    again with exactly the same fields gets the same prepay back (WeChat refuses it with
    any field changed), so calling again can never charge twice."""
    result = _call(
        "unified order",
        lambda: PayClient().order.create(
            trade_type="JSAPI",
            body=body[:40],
            total_fee=total_fee,
            notify_url=notify_url,
            client_ip=client_ip,
            user_id=openid,
            out_trade_no=out_trade_no,
            time_start=_wechat_time(starts_at),
            time_expire=_wechat_time(expires_at),
        ),
    )
    return result["prepay_id"]


def jsapi_params(prepay_id: str) -> dict:
    """The signed parameters for WeixinJSBridge.invoke('getBrandWCPayRequest', …)."""
    return PayClient().jsapi.get_jsapi_params(prepay_id)


def emulator_cashier_url(prepay_id: str, return_to: str) -> str | None:
    """In emulator mode, the page that stands in for WeChat's payment sheet."""
    if not emulator_enabled():
        return None
    return emulator_url(f"pay/cashier/?{urlencode({'prepay_id': prepay_id, 'return': return_to})}")


def verify_payment_notify(xml: bytes) -> PaymentNotice:
    """Check a payment notification: signature, our appid and mch_id, success codes."""
    try:
        data = _flat_xml(xml)
    except Exception as exc:  # noqa: BLE001 — hostile bytes can break the parser in many ways
        raise InvalidNotification(f"unreadable notification: {exc.__class__.__name__} {exc}"[:200]) from exc
    # The signature wechatpy's parse_payment_result checks, without building a client and
    # xmltodict's generic tree for each notification: the same fields, the same function.
    sign = data.pop("sign", None) or ""
    if not hmac.compare_digest(sign.encode(), calculate_signature(data, settings.WECHAT_PAY_API_KEY).encode()):
        raise InvalidNotification("bad signature")
    if data.get("appid") != settings.WECHAT_APPID or data.get("mch_id") != settings.WECHAT_MCH_ID:
        raise InvalidNotification("appid or mch_id is not ours")
    if data.get("return_code") != "SUCCESS" or data.get("result_code") != "SUCCESS":
        raise InvalidNotification(f"not a success: {data.get('err_code')} {data.get('err_code_des')}")
    total_fee = data.get("total_fee") or ""
    if not data.get("out_trade_no") or not data.get("transaction_id") or not (total_fee.isascii() and total_fee.isdigit()):
        raise InvalidNotification("missing out_trade_no, transaction_id or total_fee")
    return _notice(data)


def _flat_xml(xml: bytes) -> dict[str, str | None]:
    """The fields of WeChat Pay's flat `<xml><name>value</name>…</xml>` as xmltodict reads
    them (text stripped, empty as None). Anything else is refused rather than read: a
    nested, repeated or attributed field, another root, a DTD (no entity is ever expanded)."""
    fields: dict[str, str | None] = {}
    text: list[str] = []
    depth = 0

    def start(name, attributes):
        nonlocal depth
        depth += 1
        if attributes or depth > 2 or (depth == 1 and name != "xml") or name in fields:
            raise InvalidNotification(f"not a flat notification at <{name}>")
        text.clear()

    def end(name):
        nonlocal depth
        if depth == 2:
            fields[name] = "".join(text).strip() or None
        depth -= 1

    def refuse_dtd(*_):
        raise InvalidNotification("a DTD in a notification")

    parser = ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text.append
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse_dtd
    parser.Parse(xml, True)
    return fields


def _notice(data: dict) -> PaymentNotice:
    return PaymentNotice(
        out_trade_no=data["out_trade_no"],
        transaction_id=data["transaction_id"],
        total_fee=int(data["total_fee"]),
        openid=data.get("openid") or "",
        paid_at=_parse_time(data.get("time_end")),
    )


def query_order(out_trade_no: str) -> TradeState:
    try:
        data = _signed_by_wechat("order query", PayClient().order.query(out_trade_no=out_trade_no))
    except WeChatPayException as exc:
        if exc.errcode == "ORDERNOTEXIST":
            return TradeState(state="NOTEXIST", notice=None)
        raise PayError(f"order query: {exc.errmsg or exc}", code=exc.errcode or "") from exc
    except requests.RequestException as exc:
        raise PayError(f"order query: {exc}") from exc
    state = data.get("trade_state", "")
    paid = state in ("SUCCESS", "REFUND") and data.get("transaction_id")
    if paid:
        data["total_fee"] = int(data["total_fee"])
    return TradeState(state=state, notice=_notice(data) if paid else None)


def close_order(out_trade_no: str) -> None:
    """Close an unpaid WeChat order so it can no longer be paid. Raises PayError with
    code ORDERPAID when the shopper paid after all."""
    try:
        PayClient().order.close(out_trade_no)
    except WeChatPayException as exc:
        if exc.errcode == "ORDERCLOSED":
            return
        raise PayError(f"close order: {exc.errmsg or exc}", code=exc.errcode or "") from exc
    except requests.RequestException as exc:
        raise PayError(f"close order: {exc}") from exc


def refund(*, out_trade_no: str, out_refund_no: str, total_fee: int, refund_fee: int, reason: str, notify_url: str) -> str:
    """Ask WeChat to refund; returns WeChat's refund_id. The same out_refund_no is only
    ever refunded once, so retrying after a timeout is safe."""
    result = _call(
        "refund",
        lambda: PayClient().refund.apply(
            total_fee=total_fee,
            refund_fee=refund_fee,
            out_refund_no=out_refund_no,
            out_trade_no=out_trade_no,
            refund_desc=reason[:80] or None,
            notify_url=notify_url,
        ),
    )
    return result["refund_id"]


def verify_refund_notify(xml: bytes) -> RefundNotice:
    """Decrypt a refund notification (AES-256-ECB with the md5 of the API key)."""
    client = PayClient()
    try:
        envelope = xmltodict.parse(xml)["xml"]
        if envelope.get("return_code") != "SUCCESS":
            raise InvalidNotification(f"not a success: {envelope.get('return_msg')}")
        data = client.parse_refund_notify_result(xml)
    except InvalidNotification:
        raise
    except (InvalidAppIdException, InvalidMchIdException) as exc:
        raise InvalidNotification("appid or mch_id is not ours") from exc
    except Exception as exc:  # noqa: BLE001 — bad base64, bad padding, bad XML …
        raise InvalidNotification(f"cannot decrypt: {exc.__class__.__name__}") from exc
    try:
        return RefundNotice(
            out_refund_no=data["out_refund_no"],
            out_trade_no=data["out_trade_no"],
            refund_id=data["refund_id"],
            refund_fee=int(data["refund_fee"]),
            status=data["refund_status"],
            succeeded_at=_parse_success_time(data.get("success_time")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidNotification("refund notification lacks fields") from exc


def _parse_success_time(value: str | None) -> datetime | None:
    # The refund notice writes "2026-11-22 10:00:00", unlike the payment notice.
    return _parse_time(value.replace("-", "").replace(" ", "").replace(":", "")) if value else None


def notify_reply(ok: bool, message: str = "OK") -> str:
    """The XML WeChat Pay expects back from a notification handler."""
    return dict_to_xml({"return_code": "SUCCESS" if ok else "FAIL", "return_msg": message})
