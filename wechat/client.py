"""Where wechatpy's HTTP calls go: WeChat itself, or the built-in emulator.

In emulator mode the wechatpy clients keep all their own request building, signing and
response parsing; only their base URLs point at `/wx-emulator/`, and their requests
session hands those URLs to this process (see emulator/transport.py), so a web worker,
a Celery worker or a test never waits on a socket to itself.
"""

import requests
from django.conf import settings
from django.core.cache import cache
from wechatpy import WeChatClient
from wechatpy.pay import WeChatPay
from wechatpy.session import SessionStorage


def emulator_enabled() -> bool:
    return settings.WECHAT_MODE == "emulator"


def emulator_url(path: str = "") -> str:
    return f"{settings.SITE_URL}/wx-emulator/{path}"


def http_session() -> requests.Session:
    session = requests.Session()
    if emulator_enabled():
        from wechat.emulator.transport import InProcessTransport

        session.mount(emulator_url(), InProcessTransport())
    return session


class CacheStorage(SessionStorage):
    """wechatpy's token store in the Django cache, so every web and worker process
    shares one access token and one JS-SDK ticket (WeChat limits how often they are
    fetched, and fetching a new one invalidates the old)."""

    prefix = "wechatpy:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        cache.set(self.prefix + key, value, timeout=ttl)

    def delete(self, key):
        cache.delete(self.prefix + key)


class OfficialAccountClient(WeChatClient):
    def __init__(self):
        super().__init__(settings.WECHAT_APPID, settings.WECHAT_SECRET, session=CacheStorage(), timeout=settings.WECHAT_HTTP_TIMEOUT)
        self._http = http_session()
        if emulator_enabled():
            self.API_BASE_URL = emulator_url("api/cgi-bin/")

    def fetch_access_token(self):
        # wechatpy hard-codes the real token URL here; go through API_BASE_URL instead,
        # so emulator mode never reaches api.weixin.qq.com.
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class PayClient(WeChatPay):
    def __init__(self):
        super().__init__(
            appid=settings.WECHAT_APPID,
            api_key=settings.WECHAT_PAY_API_KEY,
            mch_id=settings.WECHAT_MCH_ID,
            mch_cert=settings.WECHAT_PAY_CERT_PATH or None,
            mch_key=settings.WECHAT_PAY_KEY_PATH or None,
            timeout=settings.WECHAT_HTTP_TIMEOUT,
        )
        self._http = http_session()
        if emulator_enabled():
            self.API_BASE_URL = emulator_url("mch/")
