"""Inbound WeChat Pay messages for tests, built and signed with wechatpy's own helpers."""

import hashlib

from django.conf import settings
from wechatpy.crypto import RefundCrypto
from wechatpy.pay.utils import calculate_signature, dict_to_xml
from wechatpy.utils import random_string, to_text


def payment_xml(*, out_trade_no: str, total_fee: int, transaction_id: str = "4200000001202611220000000001", key: str | None = None, **fields) -> bytes:
    data = {
        "appid": settings.WECHAT_APPID,
        "bank_type": "OTHERS",
        "cash_fee": str(total_fee),
        "fee_type": "CNY",
        "is_subscribe": "Y",
        "mch_id": settings.WECHAT_MCH_ID,
        "nonce_str": random_string(32),
        "openid": "o_test_payer",
        "out_trade_no": out_trade_no,
        "result_code": "SUCCESS",
        "return_code": "SUCCESS",
        "time_end": "20261122103000",
        "total_fee": str(total_fee),
        "trade_type": "JSAPI",
        "transaction_id": transaction_id,
        **fields,
    }
    return dict_to_xml(data, calculate_signature(data, key or settings.WECHAT_PAY_API_KEY)).encode()


def refund_xml(*, out_refund_no: str, out_trade_no: str, refund_fee: int, total_fee: int, status: str = "SUCCESS",
               key: str | None = None, appid: str | None = None, refund_id: str = "50000000012026112200000001") -> bytes:
    inner = {
        "out_refund_no": out_refund_no, "out_trade_no": out_trade_no, "refund_id": refund_id,
        "refund_fee": str(refund_fee), "settlement_refund_fee": str(refund_fee), "total_fee": str(total_fee),
        "settlement_total_fee": str(total_fee), "refund_status": status, "success_time": "2026-11-22 10:40:00",
        "refund_recv_accout": "支付用户零钱", "refund_account": "REFUND_SOURCE_RECHARGE_FUNDS",
        "refund_request_source": "API", "transaction_id": "4200000001202611220000000001",
    }
    root = "<root>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in inner.items()) + "</root>"
    crypto_key = hashlib.md5((key or settings.WECHAT_PAY_API_KEY).encode()).hexdigest().encode()
    envelope = {
        "return_code": "SUCCESS", "appid": appid or settings.WECHAT_APPID, "mch_id": settings.WECHAT_MCH_ID,
        "nonce_str": random_string(32), "req_info": to_text(RefundCrypto(crypto_key).encrypt(root)),
    }
    return dict_to_xml(envelope).encode()
