"""What the emulator sends to the shop, built the way WeChat builds it, with wechatpy's
own helpers: the signed payment notification, the encrypted refund notification, an
official-account event with its signature in the query string."""

import hashlib
import secrets
import time
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.utils import timezone
from wechatpy.crypto import RefundCrypto
from wechatpy.pay.utils import calculate_signature, dict_to_xml
from wechatpy.utils import WeChatSigner, random_string, to_text

from wechat.emulator.common import BEIJING, format_time
from wechat.emulator.models import Delivery, MchOrder, MchRefund
from wechat.emulator.transport import InProcessTransport


def payment_notice(order: MchOrder) -> bytes:
    data = {
        "appid": order.appid,
        "bank_type": "OTHERS",
        "cash_fee": str(order.total_fee),
        "fee_type": "CNY",
        "is_subscribe": "Y",
        "mch_id": order.mch_id,
        "nonce_str": random_string(32),
        "openid": order.openid,
        "out_trade_no": order.out_trade_no,
        "result_code": "SUCCESS",
        "return_code": "SUCCESS",
        "time_end": format_time(order.time_end),
        "total_fee": str(order.total_fee),
        "trade_type": "JSAPI",
        "transaction_id": order.transaction_id,
    }
    return dict_to_xml(data, calculate_signature(data, settings.WECHAT_PAY_API_KEY)).encode()


def refund_notice(record: MchRefund) -> bytes:
    order = record.order
    inner = {
        "out_refund_no": record.out_refund_no,
        "out_trade_no": order.out_trade_no,
        "refund_account": "REFUND_SOURCE_RECHARGE_FUNDS",
        "refund_fee": str(record.refund_fee),
        "refund_id": record.refund_id,
        "refund_recv_accout": "支付用户零钱",
        "refund_request_source": "API",
        "refund_status": record.status,
        "settlement_refund_fee": str(record.refund_fee),
        "settlement_total_fee": str(order.total_fee),
        "success_time": timezone.localtime(record.success_time, BEIJING).strftime("%Y-%m-%d %H:%M:%S") if record.success_time else "",
        "total_fee": str(order.total_fee),
        "transaction_id": order.transaction_id,
    }
    root = "<root>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in inner.items()) + "</root>"
    key = hashlib.md5(settings.WECHAT_PAY_API_KEY.encode()).hexdigest().encode()
    req_info = to_text(RefundCrypto(key).encrypt(root))
    envelope = {"return_code": "SUCCESS", "appid": order.appid, "mch_id": order.mch_id, "nonce_str": random_string(32), "req_info": req_info}
    return dict_to_xml(envelope).encode()


def signed_callback_url(url: str) -> str:
    """The official account's server URL with WeChat's signature query."""
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
    signer = WeChatSigner()
    signer.add_data(settings.WECHAT_TOKEN, timestamp, nonce)
    return f"{url}?{urlencode({'signature': signer.signature, 'timestamp': timestamp, 'nonce': nonce})}"


def deliver(*, kind: str, reference: str, url: str, body: bytes) -> Delivery:
    """POST to the shop and keep what it answered. The shop is this very site, so the
    request is answered in this process (see transport.py); nothing else is called."""
    if not url.startswith(settings.SITE_URL + "/"):
        status, text = 0, "模拟器只向本站（SITE_URL）发送通知"
    else:
        session = requests.Session()
        session.mount(settings.SITE_URL + "/", InProcessTransport())
        try:
            response = session.post(url, data=body, headers={"Content-Type": "text/xml"}, timeout=10)
            status, text = response.status_code, response.text
        except requests.RequestException as exc:
            status, text = 0, str(exc)
    return Delivery.objects.create(
        kind=kind, reference=reference, url=url, body=body.decode("utf-8", "replace"), status_code=status, response=text[:4000]
    )


def deliver_payment_notice(order: MchOrder) -> Delivery:
    return deliver(kind="payment", reference=order.out_trade_no, url=order.notify_url, body=payment_notice(order))


def deliver_refund_notice(record: MchRefund) -> Delivery:
    return deliver(kind="refund", reference=record.out_refund_no, url=record.notify_url, body=refund_notice(record))
