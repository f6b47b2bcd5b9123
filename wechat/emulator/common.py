import json
import re
import secrets
from datetime import datetime

from django.http import JsonResponse
from django.utils import timezone

from wechat.emulator.models import IssuedToken

BEIJING = timezone.get_fixed_timezone(8 * 60)
WECHAT_TIME = "%Y%m%d%H%M%S"  # WeChat Pay's times: Beijing, no separators


def format_time(value: datetime) -> str:
    return timezone.localtime(value, BEIJING).strftime(WECHAT_TIME)


def wx_json(payload: dict) -> JsonResponse:
    # WeChat answers its JSON APIs with HTTP 200 even for errors; errcode tells.
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def wx_error(errcode: int, errmsg: str) -> JsonResponse:
    rid = "-".join(secrets.token_hex(4) for _ in range(3))
    return wx_json({"errcode": errcode, "errmsg": f"{errmsg} rid: {rid}"})


ACCESS_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")


def token_problem(request) -> JsonResponse | None:
    """WeChat's answer to a call without a live access token, or None."""
    value = request.GET.get("access_token", "")
    if not value:
        return wx_error(41001, "access_token missing")
    issued = IssuedToken.objects.filter(kind=IssuedToken.Kind.ACCESS_TOKEN, value=value).first() if ACCESS_TOKEN.fullmatch(value) else None
    if issued is None:
        return wx_error(40001, "invalid credential, access_token is invalid or not latest")
    if issued.expires_at < timezone.now():
        return wx_error(42001, "access_token expired")
    return None


def json_body(request) -> dict | None:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    # PostgreSQL's JSON cannot hold \u0000, and WeChat would refuse it as data format error.
    return body if isinstance(body, dict) and "\\u0000" not in json.dumps(body) else None


def api_body(request) -> tuple[dict | None, JsonResponse | None]:
    """An official-account API call's JSON body, or WeChat's error answer: no live token,
    or a body that is not a JSON object (47001)."""
    problem = token_problem(request)
    if problem:
        return None, problem
    body = json_body(request)
    return (body, None) if body is not None else (None, wx_error(47001, "data format error"))
