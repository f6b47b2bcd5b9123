import secrets
from datetime import datetime

from django.http import JsonResponse
from django.utils import timezone

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
