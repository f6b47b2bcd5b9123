"""The whole WeChat login through wechatpy and the built-in emulator."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

from members.models import Member
from wechat.client import emulator_url, http_session
from wechat.emulator.models import OAuthGrant

pytestmark = pytest.mark.django_db


def start_login(client, next_url="/cart/"):
    response = client.get("/wechat/login/", {"next": next_url})
    assert response.status_code == 302
    return response["Location"]


def consent(client, authorize_url, **params):
    response = client.get(f"{authorize_url}&{urlencode(params)}")
    assert response.status_code == 302, response.content
    return response["Location"]


def test_login_start_redirects_to_the_emulator_authorize_page_built_by_wechatpy(client, settings):
    url = urlsplit(start_login(client))
    query = parse_qs(url.query)
    assert url.path == "/wx-emulator/oauth/authorize"
    assert query["appid"] == [settings.WECHAT_APPID]
    assert query["scope"] == ["snsapi_userinfo"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [f"{settings.SITE_URL}/wechat/oauth/callback/"]
    assert len(query["state"][0]) >= 32


def test_full_login_creates_the_member_and_returns_to_next(client):
    callback = consent(client, start_login(client, "/orders/"), openid="o_new_shopper", nickname="阿强")
    assert callback.startswith("http://127.0.0.1:8000/wechat/oauth/callback/?code=")
    response = client.get(callback)
    assert response.status_code == 302 and response["Location"] == "/orders/"
    member = Member.objects.get(openid="o_new_shopper")
    assert member.nickname == "阿强"
    assert member.avatar_url.endswith("/wx-emulator/avatar/o_new_shopper.png")
    assert member.unionid.startswith("u_")
    assert not member.has_usable_password()
    me = client.get("/api/v1/me").json()
    assert (me["openid"], me["nickname"]) == ("o_new_shopper", "阿强")


def test_logging_in_again_keeps_one_member_and_refreshes_wechat_fields(client):
    client.get(consent(client, start_login(client), openid="o_again", nickname="旧昵称"))
    from wechat.emulator.models import EmulatedUser

    EmulatedUser.objects.filter(openid="o_again").update(nickname="新昵称")
    client.get(consent(client, start_login(client), openid="o_again"))
    assert Member.objects.filter(openid="o_again").count() == 1
    assert Member.objects.get(openid="o_again").nickname == "新昵称"


def test_a_replayed_callback_is_refused(client):
    callback = consent(client, start_login(client), openid="o_replay")
    assert client.get(callback).status_code == 302
    client.post("/api/v1/logout")
    replay = client.get(callback)
    assert replay.status_code == 400
    assert "登录链接已失效" in replay.content.decode()
    assert client.get("/api/v1/me").status_code == 401


def test_a_reused_code_with_a_fresh_state_is_refused_by_wechat(client):
    callback = consent(client, start_login(client), openid="o_code")
    code = parse_qs(urlsplit(callback).query)["code"][0]
    client.get(callback)
    client.post("/api/v1/logout")
    fresh_state = parse_qs(urlsplit(start_login(client)).query)["state"][0]
    response = client.get("/wechat/oauth/callback/", {"code": code, "state": fresh_state})
    assert response.status_code == 400
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("params", [{"code": "x"}, {"code": "x", "state": "forged"}, {}])
def test_a_callback_without_our_state_is_refused(client, params):
    start_login(client)
    response = client.get("/wechat/oauth/callback/", params)
    assert response.status_code == 400
    assert client.get("/api/v1/me").status_code == 401


def test_a_made_up_code_is_refused(client):
    state = parse_qs(urlsplit(start_login(client)).query)["state"][0]
    assert client.get("/wechat/oauth/callback/", {"code": "made-up", "state": state}).status_code == 400
    assert not Member.objects.filter(openid__isnull=False).exists()


def test_refusing_consent_logs_nobody_in(client):
    authorize = start_login(client)
    response = client.post(urlsplit(authorize).path, {**{k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}, "deny": "1"})
    callback = client.get(response["Location"])
    assert callback.status_code == 400
    assert client.get("/api/v1/me").status_code == 401


def test_the_picker_lists_test_users_and_consents_by_post(client):
    authorize = start_login(client)
    page = client.get(authorize)
    assert page.status_code == 200
    assert "小明" in page.content.decode()
    fields = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    response = client.post(urlsplit(authorize).path, {**fields, "openid": "o_emu_xiaoming"})
    assert client.get(response["Location"]).status_code == 302
    assert Member.objects.get(openid="o_emu_xiaoming").nickname == "小明"


def test_next_must_stay_on_this_site(client):
    callback = consent(client, start_login(client, "https://evil.example/steal"), openid="o_safe")
    assert client.get(callback)["Location"] == "/"


def test_two_tabs_can_log_in_at_once(client):
    first = start_login(client, "/a/")
    second = start_login(client, "/b/")
    assert client.get(consent(client, first, openid="o_tabs"))["Location"] == "/a/"
    assert client.get(consent(client, second, openid="o_tabs"))["Location"] == "/b/"


def test_emulator_authorize_refuses_a_wrong_appid_or_foreign_redirect(client, settings):
    base = {"redirect_uri": f"{settings.SITE_URL}/wechat/oauth/callback/", "response_type": "code", "scope": "snsapi_userinfo", "state": "s"}
    assert client.get("/wx-emulator/oauth/authorize", {**base, "appid": "wx_wrong"}).status_code == 400
    bad_redirect = {**base, "appid": settings.WECHAT_APPID, "redirect_uri": "https://evil.example/cb"}
    assert client.get("/wx-emulator/oauth/authorize", bad_redirect).status_code == 400


def authorize_at_once(client, settings, redirect_uri):
    """The emulator's authorize page with `openid=`, which consents at once if it accepts the redirect."""
    params = {"appid": settings.WECHAT_APPID, "redirect_uri": redirect_uri, "response_type": "code",
              "scope": "snsapi_userinfo", "state": "s", "openid": "o_redirect"}
    return client.get("/wx-emulator/oauth/authorize", params)


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:9999/steal",  # same host, another port
        "http://127.0.0.1/wechat/oauth/callback/",  # port 80 is another port than 8000
        "https://127.0.0.1:8000/wechat/oauth/callback/",  # another scheme
        "http://localhost:8000/wechat/oauth/callback/",  # another host, even a loopback one
        "https://evil.example/cb",
        "http://127.0.0.1:8000@evil.com/",  # user info: the host is evil.com
        "http://user@127.0.0.1:8000/wechat/oauth/callback/",  # user info at all
        "http://evil.com\\@127.0.0.1:8000/",  # browsers read the backslash as a slash: evil.com
        "http://127.0.0.1:8000\\@evil.com/",
        "http://127.0.0.1:8000\t/wechat/oauth/callback/",
        "//127.0.0.1:8000/wechat/oauth/callback/",  # no scheme
        "/wechat/oauth/callback/",
        "javascript://127.0.0.1:8000/%0aalert(1)",
        "http://127.0.0.1:99999/",  # not a port
        "",
    ],
)
def test_emulator_authorize_refuses_a_redirect_off_site_url(client, settings, redirect_uri):
    response = authorize_at_once(client, settings, redirect_uri)
    assert response.status_code == 400
    assert "错误码 10003" in response.content.decode()
    assert not OAuthGrant.objects.exists()


@pytest.mark.parametrize(
    "site_url, redirect_uri",
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/wechat/oauth/callback/"),
        ("http://127.0.0.1:8000", "HTTP://127.0.0.1:8000/wechat/oauth/callback/?x=1"),  # scheme and host are case-blind
        ("http://shop.test", "http://shop.test:80/wechat/oauth/callback/"),  # default ports are the same origin
        ("http://shop.test:80", "http://SHOP.test/wechat/oauth/callback/"),
        ("https://shop.test", "https://shop.test:443/wechat/oauth/callback/"),
    ],
)
def test_emulator_authorize_accepts_site_urls_own_origin(client, settings, site_url, redirect_uri):
    settings.SITE_URL = site_url
    response = authorize_at_once(client, settings, redirect_uri)
    assert response.status_code == 302
    assert response["Location"].startswith(redirect_uri + ("&" if "?" in redirect_uri else "?") + "code=")


class TestEmulatorAnswersLikeWeChat:
    """wechatpy's own client against the emulator's sns endpoints."""

    def oauth(self, settings, secret=None):
        oauth = WeChatOAuth(settings.WECHAT_APPID, secret or settings.WECHAT_SECRET, "")
        oauth.API_BASE_URL = emulator_url("api/")
        oauth._http = http_session()
        return oauth

    def grant(self, client, openid="o_api"):
        return parse_qs(urlsplit(consent(client, start_login(client), openid=openid)).query)["code"][0]

    def test_code_exchange_and_userinfo(self, client, settings):
        oauth = self.oauth(settings)
        token = oauth.fetch_access_token(self.grant(client))
        assert set(token) >= {"access_token", "expires_in", "refresh_token", "openid", "scope"}
        assert token["expires_in"] == 7200
        info = oauth.get_user_info()
        assert info["openid"] == "o_api" and set(info) >= {"nickname", "sex", "province", "city", "headimgurl", "privilege"}

    @pytest.mark.parametrize("errcode, setup", [(40029, "bad_code"), (40163, "reused"), (40125, "bad_secret")])
    def test_errors_carry_wechats_errcodes(self, client, settings, errcode, setup):
        code = self.grant(client)
        oauth = self.oauth(settings, secret="wrong" if setup == "bad_secret" else None)
        if setup == "reused":
            oauth.fetch_access_token(code)
        with pytest.raises(WeChatOAuthException) as error:
            oauth.fetch_access_token("nope" if setup == "bad_code" else code)
        assert error.value.errcode == errcode

    def test_an_expired_code_is_invalid(self, client, settings):
        code = self.grant(client)
        OAuthGrant.objects.filter(code=code).update(issued_at="2020-01-01T00:00:00+08:00")
        with pytest.raises(WeChatOAuthException) as error:
            self.oauth(settings).fetch_access_token(code)
        assert error.value.errcode == 40029

    @pytest.mark.parametrize("token", ["bogus", "\x00"])
    def test_userinfo_with_an_unknown_token(self, settings, token):
        with pytest.raises(WeChatOAuthException) as error:
            self.oauth(settings).get_user_info(openid="o_x", access_token=token)
        assert error.value.errcode == 40001

    def test_a_code_wechat_never_issued_is_invalid(self, settings):
        with pytest.raises(WeChatOAuthException) as error:
            self.oauth(settings).fetch_access_token("bad\x00code")
        assert error.value.errcode == 40029


def test_emulator_avatar_is_a_png(client):
    response = client.get("/wx-emulator/avatar/o_emu_xiaoming.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


def test_a_nickname_given_again_renames_the_test_user_like_wechat_would(client):
    client.get(consent(client, start_login(client), openid="o_renamed", nickname="Alice"))
    client.post("/api/v1/logout")
    client.get(consent(client, start_login(client), openid="o_renamed", nickname="Bob"))
    assert client.get("/api/v1/me").json()["nickname"] == "Bob"


@pytest.mark.parametrize("openid", ["\x00", "o x", "o" * 65, "o<script>"])
def test_the_emulator_refuses_openids_wechat_would_never_issue(client, openid):
    response = client.get(f"{start_login(client)}&{urlencode({'openid': openid})}")
    assert response.status_code == 400
