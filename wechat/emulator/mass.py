"""Mass messages (群发) as the emulator answers them: the cover as a thumb
(`media/upload?type=thumb`), `media/uploadnews` naming it, then `message/mass/send` by
openid list or `message/mass/preview` to one user; and the phone's view of what each
test user received."""

import io
import re
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from PIL import Image, UnidentifiedImageError

from wechat.emulator.common import api_body, token_problem, wx_error, wx_json
from wechat.emulator.models import EmulatedUser, MassMessage, MassNews, MassThumb
from wechat.emulator.users import ensure_default_users

MAX_ARTICLES = 8
MAX_OPENIDS = 10_000
LOCAL_PATH = re.compile(r"https?://[^/]+(/[^\s\"'<>]*)")
MAX_THUMB_BYTES = 64 * 1024  # a thumb: JPEG, at most 64 KB
MEDIA_LIFETIME = timedelta(days=3)  # temporary media


def _is_jpeg(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.format == "JPEG"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False


@csrf_exempt
@require_POST
def upload_media(request):
    """`media/upload`, the thumb only (the shop uploads nothing else): a JPEG of at most
    64 KB, kept three days; WeChat answers a thumb with thumb_media_id."""
    problem = token_problem(request)
    if problem:
        return problem
    # image, voice and video are WeChat's too; the emulator answers them as it would an unknown type.
    if request.GET.get("type") != "thumb":
        return wx_error(40004, "invalid media type")
    upload = request.FILES.get("media")
    if upload is None:
        return wx_error(41005, "media data missing")
    if upload.size > MAX_THUMB_BYTES:
        return wx_error(40009, "invalid image size")
    data = upload.read()
    if not _is_jpeg(data):
        return wx_error(40005, "invalid file type")
    thumb = MassThumb.objects.create(image=data)
    return wx_json({"type": "thumb", "thumb_media_id": thumb.media_id, "created_at": int(thumb.created_at.timestamp()), "item": []})


def _live_thumb(media_id) -> MassThumb | None:
    if not isinstance(media_id, str) or not media_id:
        return None
    return MassThumb.objects.filter(media_id=media_id, created_at__gte=timezone.now() - MEDIA_LIFETIME).first()


@csrf_exempt
@require_POST
def upload_news(request):
    body, problem = api_body(request)
    if problem:
        return problem
    articles = body.get("articles")
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
        # Every article's cover is an uploaded thumb, still within its three days.
        if _live_thumb(article.get("thumb_media_id")) is None:
            return wx_error(40007, "invalid media_id")
    news = MassNews.objects.create(articles=articles)
    return wx_json({"type": "news", "media_id": news.media_id, "created_at": int(news.created_at.timestamp())})


def _news_and_openids(request, *, preview: bool):
    """The body's news and openids, or WeChat's error answer."""
    body, problem = api_body(request)
    if problem:
        return None, None, problem
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


@staff_member_required
@require_GET
def thumb(request, media_id: str):
    """A thumb as uploaded, for the inbox's cards."""
    return HttpResponse(get_object_or_404(MassThumb, media_id=media_id).image, content_type="image/jpeg")


def _card(article: dict) -> dict:
    thumb_id = article.get("thumb_media_id")
    has_thumb = isinstance(thumb_id, str) and MassThumb.objects.filter(media_id=thumb_id).exists()
    link = LOCAL_PATH.fullmatch(article.get("content_source_url") or "")
    # The phone opens the link signed in as whoever the authorize page is told to be.
    opened = "/wechat/login/?" + urlencode({"next": link.group(1)}) if link else ""
    cover = reverse("wx_emulator:mass_thumb", args=[thumb_id]) if has_thumb else ""
    return {"title": article.get("title", ""), "summary": article.get("digest", ""), "cover": cover, "open_url": opened}
