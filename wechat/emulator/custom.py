"""Customer-service messages as the emulator plays them: `message/custom/send` answered
like WeChat (48-hour window, at most 20 replies per user message), and each test user's
chat with the official account, where the shop's replies reach the emulated phone."""

from datetime import timedelta

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from wechat.emulator.common import api_body, wx_error, wx_json
from wechat.emulator.models import CustomMessage, EmulatedUser
from wechat.emulator.pages import _send_event

WINDOW = timedelta(hours=48)
REPLIES_PER_MESSAGE = 20
TEXT_MAX_BYTES = 2048


@csrf_exempt
@require_POST
def custom_send(request):
    body, problem = api_body(request)
    if problem:
        return problem
    user = EmulatedUser.objects.filter(openid=str(body.get("touser", ""))[:64]).first()
    if user is None:
        return wx_error(40003, "invalid openid")
    if body.get("msgtype") != "text":
        return wx_error(40008, "invalid message type")
    text = body.get("text")
    content = text.get("content") if isinstance(text, dict) else None
    if not isinstance(content, str) or not content.strip():
        return wx_error(44003, "empty news data")
    if len(content.encode()) > TEXT_MAX_BYTES:
        return wx_error(45002, "content size out of limit")
    last_from_user = (
        CustomMessage.objects.filter(openid=user.openid, sender=CustomMessage.Sender.USER).order_by("-id").values_list("id", "created_at").first()
    )
    if not user.subscribed or last_from_user is None or last_from_user[1] <= timezone.now() - WINDOW:
        return wx_error(45015, "response out of time limit or subscription is canceled")
    replies = CustomMessage.objects.filter(openid=user.openid, sender=CustomMessage.Sender.ACCOUNT, id__gt=last_from_user[0]).count()
    if replies >= REPLIES_PER_MESSAGE:
        return wx_error(45047, "out of response count limit")
    CustomMessage.objects.create(openid=user.openid, sender=CustomMessage.Sender.ACCOUNT, content=content)
    return wx_json({"errcode": 0, "errmsg": "ok"})


@staff_member_required
@require_http_methods(["GET"])
def chat(request, openid):
    user = get_object_or_404(EmulatedUser, openid=openid)
    lines = CustomMessage.objects.filter(openid=user.openid).order_by("-id")[:100]
    return render(request, "wx_emulator/chat.html", {"user": user, "lines": reversed(lines)})


@staff_member_required
@require_POST
def chat_send(request, openid):
    """The user types in the chat: the text goes to the shop like any message they send."""
    user = get_object_or_404(EmulatedUser, openid=openid)
    text = request.POST.get("text", "").replace("\x00", "").strip()[:600]
    if text:
        _send_event(user, "text", "", text)
    return redirect("wx_emulator:chat", openid=user.openid)
