"""WeChat cash red packets (现金红包, Pay API v2 `sendredpack`) through wechatpy.

Each packet is 1–200 yuan (WeChat refuses anything else without a special scene), goes to
the member's openid under the official account, and is sent at most once per
`mch_billno`: WeChat answers a repeat of the same number with the packet it already sent,
so an unsure outcome (timeout, system error, the merchant account short of money) is
simply tried again later with the same number.
"""

from datetime import date

import requests
from django.conf import settings
from wechatpy.exceptions import WeChatPayException

from wechat.client import PayClient

CASH_MIN_FEN = 100  # 1 yuan
CASH_MAX_FEN = 20_000  # 200 yuan

# Worth trying again with the same mch_billno: WeChat had a hiccup, is still working on
# it, or a limit that lifts (the merchant tops the account up, a new day starts).
RETRYABLE = {"SYSTEMERROR", "PROCESSING", "FREQ_LIMIT", "NOTENOUGH", "SENDNUM_LIMIT", "SENDAMOUNT_LIMIT", "RCVDAMOUNT_LIMIT"}
# The recipient cannot receive it: nothing to gain by asking again.
RECIPIENT_REFUSED = {"OPENID_ERROR"}

# Byte lengths (UTF-8) WeChat allows for the texts printed on the packet.
TEXT_LIMITS = {"send_name": 32, "act_name": 32, "wishing": 128, "remark": 256}


class RedPacketUnsure(Exception):
    """No definite answer, or a passing refusal: send again later with the same mch_billno."""


class RedPacketRefused(Exception):
    """WeChat said no for good (amount limits, the merchant not allowed …)."""


class RecipientRefused(RedPacketRefused):
    """This member cannot get a WeChat red packet (no openid, or WeChat does not know it)."""


def cash_billno(*, share_id: int, day: date) -> str:
    """The merchant's number for one packet, as WeChat documents it: merchant id, the day,
    and ten digits unique that day (28 characters). Derived from what it pays for, so
    every retry names the same packet."""
    return f"{settings.WECHAT_MCH_ID}{day:%Y%m%d}{share_id % 10**10:010d}"


def _clip(text: str, limit: int) -> str:
    encoded = text.encode()[:limit]
    return encoded.decode(errors="ignore") or "-"


def send_cash_red_packet(*, mch_billno: str, openid: str, amount_fen: int, send_name: str, act_name: str, wishing: str, remark: str) -> str:
    """Send one cash red packet; WeChat's send_listid. RecipientRefused, RedPacketRefused or
    RedPacketUnsure otherwise."""
    if not openid:
        raise RecipientRefused("该会员没有微信 openid，无法发微信红包")
    if not CASH_MIN_FEN <= amount_fen <= CASH_MAX_FEN:
        raise RedPacketRefused(f"微信现金红包每个须在 1 到 200 元之间，不能发 {amount_fen} 分")
    texts = {"send_name": send_name, "act_name": act_name, "wishing": wishing, "remark": remark}
    texts = {name: _clip(value, TEXT_LIMITS[name]) for name, value in texts.items()}
    try:
        result = PayClient().redpack.send(
            user_id=openid, total_amount=amount_fen, total_num=1, client_ip="127.0.0.1", out_trade_no=mch_billno, **texts,
        )
    except WeChatPayException as exc:
        message = f"{exc.errcode or exc.return_code}: {exc.errmsg or exc.return_msg}"
        if exc.errcode in RECIPIENT_REFUSED:
            raise RecipientRefused(message) from exc
        if exc.errcode in RETRYABLE or not exc.errcode:
            raise RedPacketUnsure(message) from exc
        raise RedPacketRefused(message) from exc
    except requests.RequestException as exc:
        raise RedPacketUnsure(str(exc)) from exc
    return result.get("send_listid", "") if isinstance(result, dict) else ""
