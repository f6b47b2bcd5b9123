"""Customer-service messages (客服消息, `message/custom/send`) through wechatpy: the
official account writes to one follower, allowed by WeChat only within 48 hours of that
follower's last message to the account."""

import requests
from wechatpy.exceptions import WeChatClientException, WeChatException

from wechat.client import OfficialAccountClient

# WeChat refuses longer texts with 45002; counted in UTF-8 bytes, so about 680 汉字.
TEXT_MAX_BYTES = 2048

# What WeChat's refusals mean for the operator who pressed 「发送」.
REFUSALS = {
    45015: "已超过 48 小时回复时限，或会员已取消关注",
    45047: "会员未再发消息前，客服最多连续回复 20 条",
    43004: "会员未关注公众号",
    40003: "微信不认识这位会员的 openid",
    45002: "消息内容过长",
    48001: "公众号没有客服消息接口权限",
}


class CustomerServiceError(Exception):
    """WeChat did not deliver the message; `str()` says why, in words for the operator."""

    def __init__(self, message: str, *, errcode: int | None = None):
        super().__init__(message)
        self.errcode = errcode


def send_custom_text(*, openid: str, content: str) -> None:
    """Send one text to a follower now, or raise CustomerServiceError."""
    try:
        OfficialAccountClient().message.send_text(openid, content)
    except WeChatClientException as exc:
        errcode = int(exc.errcode) if str(exc.errcode).lstrip("-").isdigit() else None
        raise CustomerServiceError(REFUSALS.get(errcode, f"微信拒绝发送（{exc.errcode}）：{exc.errmsg}"), errcode=errcode) from exc
    except (WeChatException, requests.RequestException) as exc:
        raise CustomerServiceError(f"连接微信失败，请稍后再试（{type(exc).__name__}）") from exc
