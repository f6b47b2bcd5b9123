"""JS-SDK config for the H5 pages: the jsapi ticket comes from the shared cache (see
client.CacheStorage) and the signature covers the page's exact URL."""

import time

import requests
from wechatpy.exceptions import WeChatException
from wechatpy.utils import random_string

from wechat.client import OfficialAccountClient

SHARE_APIS = ["updateAppMessageShareData", "updateTimelineShareData", "onMenuShareAppMessage", "onMenuShareTimeline"]


class JsSdkError(Exception):
    pass


def jssdk_config(url: str) -> dict:
    """What wx.config() needs for the page at `url` (without its #fragment)."""
    client = OfficialAccountClient()
    try:
        ticket = client.jsapi.get_jsapi_ticket()
    except (WeChatException, requests.RequestException) as exc:
        raise JsSdkError(str(exc)) from exc
    nonce, timestamp = random_string(16), int(time.time())
    url = url.split("#", 1)[0]
    return {
        "appId": client.appid,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": client.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url),
        "jsApiList": SHARE_APIS,
    }
