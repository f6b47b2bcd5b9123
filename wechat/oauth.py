"""WeChat web OAuth (网页授权, snsapi_userinfo) through wechatpy."""

from dataclasses import dataclass

import requests
from django.conf import settings
from wechatpy.exceptions import WeChatException
from wechatpy.oauth import WeChatOAuth

from wechat.client import emulator_enabled, emulator_url, http_session


@dataclass(frozen=True)
class WeChatProfile:
    openid: str
    unionid: str
    nickname: str
    avatar_url: str
    gender: int  # WeChat's `sex`: 0 unknown, 1 male, 2 female
    province: str
    city: str


class WeChatLoginFailed(Exception):
    """WeChat refused the code (invalid, expired, reused) or could not be reached."""


class _OAuth(WeChatOAuth):
    def __init__(self, **kwargs):
        super().__init__(settings.WECHAT_APPID, settings.WECHAT_SECRET, scope="snsapi_userinfo", **kwargs)
        self._http = http_session()
        if emulator_enabled():
            self.API_BASE_URL = emulator_url("api/")
            self.OAUTH_BASE_URL = emulator_url("connect/")

    def _request(self, method, url_or_endpoint, **kwargs):
        kwargs.setdefault("timeout", settings.WECHAT_HTTP_TIMEOUT)
        return super()._request(method, url_or_endpoint, **kwargs)

    @property
    def authorize_url(self):
        url = super().authorize_url
        if emulator_enabled():
            # The emulator's page lives at /wx-emulator/oauth/authorize; the
            # #wechat_redirect fragment only matters to WeChat's own client.
            url = url.replace(self.OAUTH_BASE_URL + "oauth2/authorize", emulator_url("oauth/authorize"))
            url = url.split("#", 1)[0]
        return url


def authorize_url(*, redirect_uri: str, state: str) -> str:
    return _OAuth(redirect_uri=redirect_uri, state=state).authorize_url


def login_from_code(*, code: str) -> WeChatProfile:
    oauth = _OAuth(redirect_uri="")
    try:
        token = oauth.fetch_access_token(code)
        info = oauth.get_user_info()
    except (WeChatException, requests.RequestException, KeyError, ValueError) as exc:
        raise WeChatLoginFailed(str(exc)) from exc
    return WeChatProfile(
        openid=info["openid"],
        unionid=info.get("unionid") or token.get("unionid") or "",
        nickname=info.get("nickname", ""),
        avatar_url=info.get("headimgurl", ""),
        gender=info.get("sex", 0) if info.get("sex") in (0, 1, 2) else 0,
        province=info.get("province", ""),
        city=info.get("city", ""),
    )
