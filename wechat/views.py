"""The shop's side of WeChat login: send the shopper to WeChat, take the code back."""

import secrets

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from config.redirects import local_next
from config.throttling import limit_page
from wechat import oauth, official_account

# Pending logins of this browser session: state -> where to go afterwards. A few are
# kept so that two tabs logging in at once both work; each state is used once.
PENDING_KEY = "wechat_oauth_pending"
MAX_PENDING = 5


def _too_many_logins(request):
    return _login_failed(request, "登录太频繁，请稍后再试。")


@require_GET
@limit_page("login", render_refusal=_too_many_logins)
def login_start(request):
    next_url = local_next(request, default="/")
    state = secrets.token_urlsafe(24)
    pending = dict(list(request.session.get(PENDING_KEY, {}).items())[-(MAX_PENDING - 1):])
    pending[state] = next_url
    request.session[PENDING_KEY] = pending
    callback = settings.SITE_URL + reverse("wechat:oauth_callback")
    return redirect(oauth.authorize_url(redirect_uri=callback, state=state))


@require_GET
@limit_page("login", render_refusal=_too_many_logins)
def oauth_callback(request):
    pending = request.session.get(PENDING_KEY, {})
    next_url = pending.pop(request.GET.get("state", ""), None)
    request.session[PENDING_KEY] = pending  # the state is spent, whatever happens next
    if next_url is None:
        return _login_failed(request, "登录链接已失效或已使用，请重新登录。")
    code = request.GET.get("code", "")
    if not code:
        return _login_failed(request, "你没有同意授权，登录未完成。", next_url)
    try:
        profile = oauth.login_from_code(code=code)
    except oauth.WeChatLoginFailed:
        return _login_failed(request, "微信授权码无效或已过期，请重新登录。", next_url)
    member = authenticate(request, wechat_profile=profile)
    if member is None:
        return _login_failed(request, "该账号已被停用，请联系客服。", next_url, status=403)
    login(request, member, backend="members.backends.WeChatBackend")
    return redirect(next_url)


def _login_failed(request, message, next_url="/", status=400):
    return render(request, "wechat/login_failed.html", {"message": message, "next": next_url}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def official_account_callback(request):
    """The server URL configured in the official account (服务器配置)."""
    try:
        official_account.verify(
            signature=request.GET.get("signature", ""), timestamp=request.GET.get("timestamp", ""), nonce=request.GET.get("nonce", "")
        )
    except official_account.BadSignature:
        return HttpResponseForbidden("invalid signature")
    if request.method == "GET":
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
    try:
        reply = official_account.handle(body=request.body, params=request.GET)
    except official_account.BadSignature:
        return HttpResponseForbidden("invalid signature")
    # WeChat wants "success" (or an empty body) when there is nothing to say.
    return HttpResponse(reply or "success", content_type="application/xml" if reply else "text/plain")
