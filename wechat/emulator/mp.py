"""The official account API (api.weixin.qq.com/cgi-bin) as the emulator answers it:
access token, JS-SDK ticket, template messages, parametric QR codes."""

import io
import re
import secrets
from datetime import timedelta

import qrcode
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from wechat.emulator.common import api_body, token_problem, wx_error, wx_json
from wechat.emulator.models import EmulatedUser, IssuedToken, QrTicket, SentTemplateMessage

LIFETIME = timedelta(hours=2)
TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]{10,64}")
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")
QR_ACTIONS = {"QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"}


@require_GET
def token(request):
    params = request.GET
    if params.get("grant_type") != "client_credential":
        return wx_error(40002, "invalid grant_type")
    if params.get("appid") != settings.WECHAT_APPID:
        return wx_error(40013, "invalid appid")
    if params.get("secret") != settings.WECHAT_SECRET:
        return wx_error(40125, "invalid appsecret")
    issued = IssuedToken.objects.create(kind=IssuedToken.Kind.ACCESS_TOKEN, appid=params["appid"], expires_at=timezone.now() + LIFETIME)
    return wx_json({"access_token": issued.value, "expires_in": int(LIFETIME.total_seconds())})


@require_GET
def ticket(request):
    problem = token_problem(request)
    if problem:
        return problem
    if request.GET.get("type") != "jsapi":
        return wx_error(40097, "invalid args")
    issued = IssuedToken.objects.create(kind=IssuedToken.Kind.JSAPI_TICKET, appid=settings.WECHAT_APPID, expires_at=timezone.now() + LIFETIME)
    return wx_json({"errcode": 0, "errmsg": "ok", "ticket": issued.value, "expires_in": int(LIFETIME.total_seconds())})


@csrf_exempt
@require_POST
def send_template(request):
    body, problem = api_body(request)
    if problem:
        return problem
    user = EmulatedUser.objects.filter(openid=str(body.get("touser", ""))[:64]).first()
    if user is None:
        return wx_error(40003, "invalid openid")
    if not user.subscribed:
        return wx_error(43004, "require subscribe")
    if not TEMPLATE_ID.fullmatch(str(body.get("template_id", ""))):
        return wx_error(40037, "invalid template_id")
    if not isinstance(body.get("data"), dict):
        return wx_error(47001, "data format error")
    message = SentTemplateMessage.objects.create(
        touser=user.openid, template_id=body["template_id"], url=str(body.get("url") or "")[:500], data=body["data"],
        msgid=secrets.randbelow(10**15) + 10**15,
    )
    return wx_json({"errcode": 0, "errmsg": "ok", "msgid": message.msgid})


@csrf_exempt
@require_POST
def create_qrcode(request):
    body, problem = api_body(request)
    if problem:
        return problem
    action = body.get("action_name")
    if not isinstance(action, str) or action not in QR_ACTIONS:
        return wx_error(40053, "invalid action_name")
    info = body.get("action_info")
    scene = info.get("scene") if isinstance(info, dict) else None
    value = (scene.get("scene_str") if "STR" in action else scene.get("scene_id")) if isinstance(scene, dict) else None
    if not isinstance(value, (str, int)) or isinstance(value, bool) or value == "" or len(str(value)) > 64:
        return wx_error(40054, "invalid scene")
    temporary = not action.startswith("QR_LIMIT")
    seconds = body.get("expire_seconds", 30)
    if temporary and (not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0):
        return wx_error(40009, "invalid expire_seconds")
    expire_seconds = min(seconds, 2592000) if temporary else None
    qr = QrTicket.objects.create(
        action_name=action, scene=str(value),
        expires_at=timezone.now() + timedelta(seconds=expire_seconds) if temporary else None,
    )
    answer = {"ticket": qr.ticket, "url": f"http://weixin.qq.com/q/{qr.ticket[:22]}"}
    if temporary:
        answer["expire_seconds"] = expire_seconds
    return wx_json(answer)


@require_GET
def show_qrcode(request):
    ticket = request.GET.get("ticket", "")
    qr = QrTicket.objects.filter(ticket=ticket).first() if TOKEN.fullmatch(ticket) else None
    if qr is None:
        return HttpResponse(status=404)
    image = qrcode.make(f"http://weixin.qq.com/q/{qr.ticket[:22]}", box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return HttpResponse(buffer.getvalue(), content_type="image/png")
