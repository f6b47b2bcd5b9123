"""Web OAuth as WeChat does it: the authorize page and the sns/* JSON endpoints."""

import re
import secrets
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from wechat.emulator.common import wx_error, wx_json
from wechat.emulator.models import EmulatedUser, OAuthGrant, new_token
from wechat.emulator.users import avatar_png, ensure_default_users, user_upsert

# What WeChat's openids, codes and tokens look like; anything else is refused up front.
OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")
CODE_LIFETIME = timedelta(minutes=5)
TOKEN_LIFETIME = timedelta(hours=2)
SCOPES = ("snsapi_base", "snsapi_userinfo")


@require_http_methods(["GET", "POST"])
def authorize(request):
    params = request.GET if request.method == "GET" else request.POST
    appid = params.get("appid", "")
    redirect_uri = params.get("redirect_uri", "")
    scope = params.get("scope", "")
    state = params.get("state", "")
    problem = _authorize_problem(appid, redirect_uri, scope, params.get("response_type", "code"))
    if problem:
        return render(request, "wx_emulator/error.html", {"message": problem}, status=400)

    if params.get("deny"):
        return redirect(_with_query(redirect_uri, {"state": state}))
    openid = params.get("openid", "").strip()
    if not openid and params.get("new_nickname"):
        openid = "o_emu_" + secrets.token_hex(6)
    if openid:
        if not OPENID.fullmatch(openid):
            return render(request, "wx_emulator/error.html", {"message": "openid 只能包含字母、数字、_ 和 -"}, status=400)
        nickname = (params.get("nickname") or params.get("new_nickname") or "").replace("\x00", "").strip()[:64]
        user = user_upsert(openid=openid, nickname=nickname)
        grant = OAuthGrant.objects.create(user=user, appid=appid, scope=scope)
        return redirect(_with_query(redirect_uri, {"code": grant.code, "state": state}))

    return render(
        request,
        "wx_emulator/authorize.html",
        {"users": ensure_default_users(), "appid": appid, "redirect_uri": redirect_uri, "scope": scope, "state": state},
    )


def _authorize_problem(appid, redirect_uri, scope, response_type) -> str:
    if appid != settings.WECHAT_APPID:
        return "appid 参数错误（错误码 10016）"
    # WeChat compares the page's address with the registered callback domain; here the
    # whole origin must be SITE_URL's, so another port on the same host is foreign too.
    origin = _origin(redirect_uri)
    if origin is None or origin != _origin(settings.SITE_URL):
        return "redirect_uri 域名与后台配置不一致（错误码 10003）"
    if scope not in SCOPES:
        return "scope 参数错误或没有 scope 权限（错误码 10005）"
    if response_type != "code":
        return "response_type 参数错误（错误码 10004）"
    return ""


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL, the default port filled in; None
    for anything a browser might read differently from Python: user info
    (`http://site@evil/`), backslashes, spaces or control characters, a bad port."""
    if any(char == "\\" or char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    return parts.scheme, parts.hostname, port if port is not None else DEFAULT_PORTS[parts.scheme]


def _with_query(url: str, params: dict) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


@csrf_exempt
@require_GET
def sns_access_token(request):
    params = request.GET
    if params.get("appid") != settings.WECHAT_APPID:
        return wx_error(40013, "invalid appid")
    if params.get("secret") != settings.WECHAT_SECRET:
        return wx_error(40125, "invalid appsecret")
    if params.get("grant_type") != "authorization_code":
        return wx_error(40002, "invalid grant_type")
    code = params.get("code", "")
    if not code:
        return wx_error(41008, "missing code")
    if not TOKEN.fullmatch(code):
        return wx_error(40029, "invalid code")
    grant = OAuthGrant.objects.filter(code=code, appid=params["appid"]).select_related("user").first()
    now = timezone.now()
    if grant is None or grant.issued_at < now - CODE_LIFETIME:
        return wx_error(40029, "invalid code")
    access_token, refresh_token = new_token(), new_token()
    # A code is good for one exchange, even when two arrive at once.
    exchanged = OAuthGrant.objects.filter(pk=grant.pk, exchanged_at__isnull=True).update(
        exchanged_at=now, access_token=access_token, refresh_token=refresh_token, token_expires_at=now + TOKEN_LIFETIME
    )
    if not exchanged:
        return wx_error(40163, "code been used")
    payload = {
        "access_token": access_token,
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "refresh_token": refresh_token,
        "openid": grant.user.openid,
        "scope": grant.scope,
    }
    if grant.scope == "snsapi_userinfo":
        payload["unionid"] = grant.user.unionid
    return wx_json(payload)


@csrf_exempt
@require_GET
def sns_userinfo(request):
    access_token = request.GET.get("access_token", "")
    if not access_token:
        return wx_error(41001, "access_token missing")
    grant = None
    if TOKEN.fullmatch(access_token):
        grant = OAuthGrant.objects.filter(access_token=access_token).select_related("user").first()
    if grant is None:
        return wx_error(40001, "invalid credential, access_token is invalid or not latest")
    if grant.token_expires_at < timezone.now():
        return wx_error(42001, "access_token expired")
    if request.GET.get("openid") != grant.user.openid:
        return wx_error(40003, "invalid openid")
    if grant.scope != "snsapi_userinfo":
        return wx_error(48001, "api unauthorized")
    user: EmulatedUser = grant.user
    return wx_json(
        {
            "openid": user.openid,
            "nickname": user.nickname,
            "sex": user.sex,
            "language": request.GET.get("lang", "zh_CN"),
            "city": user.city,
            "province": user.province,
            "country": user.country,
            "headimgurl": user.headimgurl,
            "privilege": [],
            "unionid": user.unionid,
        }
    )


@require_GET
def avatar(request, openid):
    response = HttpResponse(avatar_png(openid), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response
