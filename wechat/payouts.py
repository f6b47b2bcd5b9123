"""Money out to a member's WeChat wallet (企业付款到零钱, Pay API v2) through wechatpy.

WeChat pays one `partner_trade_no` at most once, so an unsure outcome (timeout, system
error) is retried with the same number; a definite refusal returns the money upstream.
New merchants get the v3 merchant transfer instead, which wechatpy 1.8 does not speak:
that merchant uses the store-balance or manual channel (see the distribution settings).
"""

import requests
from wechatpy.exceptions import WeChatPayException

from wechat.client import PayClient

RETRYABLE = {"SYSTEMERROR", "FREQ_LIMIT", "SEND_FAILED"}


class PayoutRefused(Exception):
    """WeChat said no for good (no such openid, amount limits, merchant balance …)."""


class PayoutUnsure(Exception):
    """No definite answer: try again later with the same partner_trade_no."""


def pay_to_wallet(*, partner_trade_no: str, openid: str, amount_fen: int, description: str) -> str:
    """Returns WeChat's payment_no."""
    if not openid:
        raise PayoutRefused("该会员没有微信 openid，无法打款到零钱")
    try:
        result = PayClient().transfer.transfer(
            user_id=openid, amount=amount_fen, desc=description[:100], client_ip="127.0.0.1",
            check_name="NO_CHECK", out_trade_no=partner_trade_no,
        )
    except WeChatPayException as exc:
        if exc.errcode in RETRYABLE or not exc.errcode:
            raise PayoutUnsure(f"{exc.errcode or exc.return_code}: {exc.errmsg or exc.return_msg}") from exc
        raise PayoutRefused(f"{exc.errcode}: {exc.errmsg}") from exc
    except requests.RequestException as exc:
        raise PayoutUnsure(str(exc)) from exc
    return result.get("payment_no", "")
