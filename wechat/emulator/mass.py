"""Mass messages (群发) as the emulator answers them: `media/uploadnews`, then
`message/mass/send` by openid list or `message/mass/preview` to one user; and the phone's
view of what each test user received."""

import re
import secrets
from html import unescape
from urllib.parse import urlencode

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from wechat.emulator.common import wx_error, wx_json
from wechat.emulator.models import EmulatedUser, MassMessage, MassNews
from wechat.emulator.mp import _json_body, _token_problem
from wechat.emulator.users import ensure_default_users

MAX_ARTICLES = 8
MAX_OPENIDS = 10_000
LOCAL_PATH = re.compile(r"https?://[^/]+(/[^\s\"'<>]*)")


@csrf_exempt
@require_POST
def upload_news(request):
    problem = _token_problem(request)
    if problem:
        return problem
    body = _json_body(request)
    articles = body.get("articles") if body else None
    if not isinstance(articles, list) or not articles:
        return wx_error(44003, "empty news data")
    if len(articles) > MAX_ARTICLES:
        return wx_error(45008, "article size out of limit")
    for article in articles:
        if not isinstance(article, dict) or not all(isinstance(article.get(key), str) for key in ("title", "content")):
            return wx_error(47001, "data format error")
        if not article["title"].strip() or len(article["title"]) > 64:
            return wx_error(45003, "title size out of limit" if article["title"].strip() else "empty title")
        if not article["content"].strip():
            return wx_error(44004, "empty content")
    news = MassNews.objects.create(articles=articles)
    return wx_json({"type": "news", "media_id": news.media_id, "created_at": int(news.created_at.timestamp())})


def _news_and_openids(request, *, preview: bool):
    """The body's news and openids, or WeChat's error answer."""
    problem = _token_problem(request)
    if problem:
        return None, None, problem
    body = _json_body(request)
    if body is None:
        return None, None, wx_error(47001, "data format error")
    if body.get("msgtype") != "mpnews":
        return None, None, wx_error(40008, "invalid message type")
    mpnews = body.get("mpnews")
    media_id = mpnews.get("media_id") if isinstance(mpnews, dict) else None
    news = MassNews.objects.filter(media_id=media_id).first() if isinstance(media_id, str) else None
    if news is None:
        return None, None, wx_error(40007, "invalid media_id")
    touser = body.get("touser")
    openids = [touser] if preview and isinstance(touser, str) else touser
    if not isinstance(openids, list) or not all(isinstance(openid, str) for openid in openids):
        return None, None, wx_error(40003, "invalid openid")
    if not preview and not 2 <= len(openids) <= MAX_OPENIDS:
        return None, None, wx_error(40130, "invalid openid list size, at least two openid")
    return news, openids, None


def _deliver(request, *, preview: bool):
    news, openids, problem = _news_and_openids(request, preview=preview)
    if problem:
        return problem
    # WeChat hands a mass message to the followers among the list and skips the others
    # (it reports them in its end-of-job event); a list with no follower at all is refused.
    followers = list(EmulatedUser.objects.filter(openid__in=set(openids), subscribed=True).values_list("openid", flat=True))
    if not followers:
        known = EmulatedUser.objects.filter(openid__in=set(openids)).exists()
        return wx_error(43004, "require subscribe") if known else wx_error(40003, "invalid openid")
    msg_id = secrets.randbelow(10**9) + 10**9
    MassMessage.objects.bulk_create([MassMessage(msg_id=msg_id, news=news, touser=openid, preview=preview) for openid in followers])
    answer = {"errcode": 0, "errmsg": "preview success" if preview else "send job submission success", "msg_id": msg_id}
    if not preview:
        answer["msg_data_id"] = msg_id * 10 + 1
    return wx_json(answer)


@csrf_exempt
@require_POST
def mass_send(request):
    return _deliver(request, preview=False)


@csrf_exempt
@require_POST
def mass_preview(request):
    return _deliver(request, preview=True)


@staff_member_required
def inbox(request):
    """What each test user's WeChat shows from the account's mass messages: cover, title,
    summary and the link, opened as that user (through the shop's WeChat login)."""
    users = ensure_default_users()
    user = get_object_or_404(EmulatedUser, openid=request.GET["openid"]) if request.GET.get("openid") else users[0] if users else None
    received = MassMessage.objects.filter(touser=user.openid).select_related("news")[:50] if user else []
    cards = [{"message": message, **_card(message.news.articles[0])} for message in received]
    return render(request, "wx_emulator/mass_inbox.html", {"users": users, "current": user, "cards": cards})


def _card(article: dict) -> dict:
    cover = re.search(r'<img src="([^"]+)"', article.get("content", ""))
    link = LOCAL_PATH.fullmatch(article.get("content_source_url") or "")
    # The phone opens the link signed in as whoever the authorize page is told to be.
    opened = "/wechat/login/?" + urlencode({"next": link.group(1)}) if link else ""
    return {"title": article.get("title", ""), "summary": article.get("digest", ""), "cover": unescape(cover.group(1)) if cover else "",
            "open_url": opened}
