"""WeChat Pay's merchant API v2 (api.mch.weixin.qq.com) as the emulator answers it:
signed XML in, signed XML out, WeChat's error codes for what it would refuse."""

import hmac
import re
import secrets
from datetime import datetime, timedelta
from functools import wraps

import xmltodict
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac, dict_to_xml
from wechatpy.utils import random_string

from wechat.emulator.common import BEIJING, WECHAT_TIME, format_time
from wechat.emulator.models import EmulatedUser, MchOrder, MchRedPack, MchRefund, MchTransfer
from wechat.emulator.tasks import complete_refund

MIN_EXPIRY = timedelta(minutes=1)


def _xml(data: dict, sign: str | None = None) -> HttpResponse:
    return HttpResponse(dict_to_xml(data, sign), content_type="text/xml; charset=utf-8")


def _protocol_fail(message: str) -> HttpResponse:
    """return_code FAIL: the request itself was not acceptable (WeChat signs nothing)."""
    return _xml({"return_code": "FAIL", "return_msg": message})


def _signed(request_data: dict, fields: dict) -> HttpResponse:
    data = {
        "return_code": "SUCCESS",
        "return_msg": "OK",
        "appid": settings.WECHAT_APPID,
        "mch_id": settings.WECHAT_MCH_ID,
        "nonce_str": random_string(32),
        **fields,
    }
    data = {key: str(value) for key, value in data.items() if value not in (None, "")}
    sign = calculate_signature_hmac if request_data.get("sign_type") == "HMAC-SHA256" else calculate_signature
    return _xml(data, sign(data, settings.WECHAT_PAY_API_KEY))


def _ok(request_data: dict, **fields) -> HttpResponse:
    return _signed(request_data, {"result_code": "SUCCESS", **fields})


def _error(request_data: dict, code: str, description: str) -> HttpResponse:
    return _signed(request_data, {"result_code": "FAIL", "err_code": code, "err_code_des": description})


def _verified(request, *, appid_field="appid", mch_field="mch_id", mismatch="appid和mch_id不匹配") -> dict | HttpResponse:
    """The request's fields when it is well-formed, ours and correctly signed. (企业付款
    names the merchant fields differently, and WeChat's complaint differs with them.)"""
    try:
        data = dict(xmltodict.parse(request.body)["xml"])
    except Exception:  # noqa: BLE001 — anything unparsable
        return _protocol_fail("XML格式错误")
    if not all(isinstance(value, str) and "\x00" not in value for value in data.values()):
        return _protocol_fail("XML格式错误")
    if data.get(mch_field) != settings.WECHAT_MCH_ID or data.get(appid_field) != settings.WECHAT_APPID:
        return _protocol_fail(mismatch)
    sign = data.pop("sign", "")
    if data.get("sign_type") == "HMAC-SHA256":
        expected = calculate_signature_hmac(data, settings.WECHAT_PAY_API_KEY)
    else:
        expected = calculate_signature(data, settings.WECHAT_PAY_API_KEY)
    if not hmac.compare_digest(sign, expected):
        return _protocol_fail("签名错误")
    return data


FEN = re.compile(r"[0-9]{1,10}")
# Field lengths WeChat Pay's v2 documentation allows; longer is PARAM_ERROR.
MAX_LENGTHS = {"out_trade_no": 32, "body": 128, "openid": 128, "spbill_create_ip": 64, "notify_url": 256, "out_refund_no": 64, "attach": 127}
CLOSE_AFTER = timedelta(minutes=5)


def _fen(value) -> int | None:
    return int(value) if isinstance(value, str) and FEN.fullmatch(value) and int(value) > 0 else None


def _too_long(data: dict) -> str:
    return next((name for name, limit in MAX_LENGTHS.items() if len(data.get(name, "")) > limit), "")


def _local_url(url: str) -> bool:
    """The emulator only calls this very site back: it is no proxy to anywhere else."""
    return url.startswith(settings.SITE_URL + "/")


def _wechat_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, WECHAT_TIME).replace(tzinfo=BEIJING)
    except (TypeError, ValueError):
        return None


def merchant_api(view):
    """A merchant API endpoint: POST, XML, and only what passes `_verified` reaches the view."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def endpoint(request):
        data = _verified(request)
        return data if isinstance(data, HttpResponse) else view(data)

    return endpoint


@merchant_api
def unified_order(data):
    missing = [name for name in ("body", "out_trade_no", "total_fee", "spbill_create_ip", "notify_url", "trade_type") if not data.get(name)]
    if missing:
        return _error(data, "PARAM_ERROR", f"缺少参数{missing[0]}")
    if data["trade_type"] != "JSAPI":
        return _error(data, "PARAM_ERROR", "模拟器只支持 JSAPI 支付")
    if not data.get("openid"):
        return _error(data, "PARAM_ERROR", "JSAPI支付必须传openid")
    total_fee = _fen(data["total_fee"])
    if total_fee is None:
        return _error(data, "PARAM_ERROR", "total_fee 参数错误")
    if _too_long(data):
        return _error(data, "PARAM_ERROR", f"{_too_long(data)} 长度超过限制")
    if not _local_url(data["notify_url"]):
        return _error(data, "PARAM_ERROR", "模拟器只向本站发送通知，notify_url 必须在 SITE_URL 之下")
    starts = _wechat_time(data.get("time_start", "")) if data.get("time_start") else None
    now = timezone.now()
    expires = _wechat_time(data.get("time_expire", "")) if data.get("time_expire") else now + timedelta(hours=2)
    if expires is None or expires < now + MIN_EXPIRY:
        return _error(data, "PARAM_ERROR", "time_expire时间过短，至少1分钟")

    try:
        with transaction.atomic():
            order, created = MchOrder.objects.get_or_create(
                out_trade_no=data["out_trade_no"],
                defaults={
                    "appid": data["appid"], "mch_id": data["mch_id"], "body": data["body"], "total_fee": total_fee,
                    "openid": data["openid"], "notify_url": data["notify_url"], "client_ip": data["spbill_create_ip"],
                    "time_start": starts, "time_expire": expires, "prepay_id": "wx" + timezone.localtime(now).strftime("%d%H%M%S") + secrets.token_hex(12),
                },
            )
    except IntegrityError:  # the same out_trade_no placed twice at the same instant
        order, created = MchOrder.objects.get(out_trade_no=data["out_trade_no"]), False
    if not created:
        if order.trade_state in (MchOrder.State.SUCCESS, MchOrder.State.REFUND):
            return _error(data, "ORDERPAID", "该订单已支付")
        if order.trade_state == MchOrder.State.CLOSED:
            return _error(data, "ORDERCLOSED", "该订单已关闭")
        # The same order again is answered with the same prepay; with any field changed it
        # is a different order under a number already taken.
        same = (order.body, order.total_fee, order.openid, order.notify_url, order.time_start, order.time_expire) == (
            data["body"], total_fee, data["openid"], data["notify_url"], starts, expires,
        )
        if not same:
            return _error(data, "INVALID_REQUEST", "201 商户订单号重复")
    return _ok(data, trade_type="JSAPI", prepay_id=order.prepay_id)


def _find_order(data: dict) -> MchOrder | None:
    if data.get("transaction_id"):
        return MchOrder.objects.filter(transaction_id=data["transaction_id"][:32]).first()
    return MchOrder.objects.filter(out_trade_no=data.get("out_trade_no", "")[:32]).first()


def order_fields(order: MchOrder) -> dict:
    fields = {
        "trade_state": order.trade_state,
        "trade_state_desc": order.get_trade_state_display(),
        "out_trade_no": order.out_trade_no,
        "total_fee": order.total_fee,
        "openid": order.openid,
        "trade_type": "JSAPI",
        "fee_type": "CNY",
    }
    if order.transaction_id:
        fields |= {
            "transaction_id": order.transaction_id,
            "time_end": format_time(order.time_end),
            "cash_fee": order.total_fee,
            "bank_type": "OTHERS",
            "is_subscribe": "Y",
        }
    return fields


@merchant_api
def order_query(data):
    order = _find_order(data)
    if order is None:
        return _error(data, "ORDERNOTEXIST", "此交易订单号不存在")
    return _ok(data, **order_fields(order))


@merchant_api
def close_order(data):
    order = _find_order(data)
    if order is None:
        return _error(data, "ORDERNOTEXIST", "此交易订单号不存在")
    if order.created_at > timezone.now() - CLOSE_AFTER:
        return _error(data, "SYSTEMERROR", "订单生成后不能马上调用关单接口，最短调用时间间隔为5分钟")
    closed = MchOrder.objects.filter(pk=order.pk, trade_state=MchOrder.State.NOTPAY).update(trade_state=MchOrder.State.CLOSED)
    if closed:
        return _ok(data)
    order.refresh_from_db()
    if order.trade_state == MchOrder.State.CLOSED:
        return _error(data, "ORDERCLOSED", "订单已关闭")
    return _error(data, "ORDERPAID", "订单已支付，不能发起关单")


@merchant_api
def refund(data):
    if not data.get("out_refund_no"):
        return _error(data, "PARAM_ERROR", "缺少参数out_refund_no")
    if _too_long(data):
        return _error(data, "PARAM_ERROR", f"{_too_long(data)} 长度超过限制")
    if data.get("notify_url") and not _local_url(data["notify_url"]):
        return _error(data, "PARAM_ERROR", "模拟器只向本站发送通知，notify_url 必须在 SITE_URL 之下")
    total_fee, refund_fee = _fen(data.get("total_fee")), _fen(data.get("refund_fee"))
    if total_fee is None or refund_fee is None:
        return _error(data, "PARAM_ERROR", "total_fee 或 refund_fee 参数错误")
    with transaction.atomic():
        order = _find_order(data)
        if order is None:
            return _error(data, "ORDERNOTEXIST", "订单不存在")
        order = MchOrder.objects.select_for_update().get(pk=order.pk)
        existing = MchRefund.objects.filter(out_refund_no=data["out_refund_no"]).first()
        if existing is not None:  # the same refund asked again: refunded once, answered again
            if existing.order_id != order.pk or existing.refund_fee != refund_fee:
                return _error(data, "INVALID_REQUEST", "订单金额或退款金额与之前请求不一致，请核实后再试")
            if existing.status == MchRefund.Status.PROCESSING:
                transaction.on_commit(lambda: complete_refund.delay(existing.pk), robust=True)
            return _ok(data, **_refund_fields(existing))
        if order.trade_state not in (MchOrder.State.SUCCESS, MchOrder.State.REFUND):
            return _error(data, "TRADE_STATE_ERROR", "订单状态错误")
        if total_fee != order.total_fee:
            return _error(data, "INVALID_REQUEST", "订单金额或退款金额与之前请求不一致，请核实后再试")
        if refund_fee > order.total_fee - order.refunded_fee:
            return _error(data, "INVALID_REQUEST", "退款金额大于支付金额")
        record = MchRefund.objects.create(
            order=order,
            out_refund_no=data["out_refund_no"],
            refund_id="50" + timezone.localtime().strftime("%Y%m%d") + f"{secrets.randbelow(10**18):018d}",
            refund_fee=refund_fee,
            notify_url=data.get("notify_url", ""),
        )
        order.refunded_fee += refund_fee
        order.trade_state = MchOrder.State.REFUND
        order.save(update_fields=["refunded_fee", "trade_state"])
        # WeChat refunds in the background and notifies when done.
        transaction.on_commit(lambda: complete_refund.delay(record.pk), robust=True)
    return _ok(data, **_refund_fields(record))


def _refund_fields(record: MchRefund) -> dict:
    order = record.order
    return {
        "transaction_id": order.transaction_id,
        "out_trade_no": order.out_trade_no,
        "out_refund_no": record.out_refund_no,
        "refund_id": record.refund_id,
        "refund_fee": record.refund_fee,
        "total_fee": order.total_fee,
        "cash_fee": order.total_fee,
        "cash_refund_fee": record.refund_fee,
    }


MIN_TRANSFER = 30  # WeChat's lowest payment to a wallet: 0.30 yuan


@csrf_exempt
@require_POST
def transfer(request):
    """企业付款: signed like the other merchant APIs, but with mch_appid / mchid, and
    answered unsigned, as WeChat does."""
    data = _verified(request, appid_field="mch_appid", mch_field="mchid", mismatch="商户号mchid与appid不匹配")
    if isinstance(data, HttpResponse):
        return data

    def answer(**fields):
        base = {"return_code": "SUCCESS", "return_msg": "", "mch_appid": data["mch_appid"], "mchid": data["mchid"],
                "nonce_str": random_string(32)}
        return _xml({**base, **{key: str(value) for key, value in fields.items()}})

    amount = _fen(data.get("amount"))
    if amount is None or not data.get("partner_trade_no") or len(data["partner_trade_no"]) > 32:
        return answer(result_code="FAIL", err_code="PARAM_ERROR", err_code_des="参数错误")
    existing = MchTransfer.objects.filter(partner_trade_no=data["partner_trade_no"]).first()
    if existing is None:
        if not EmulatedUser.objects.filter(openid=data.get("openid", "")[:64]).exists():
            return answer(result_code="FAIL", err_code="OPENID_ERROR", err_code_des="Openid错误")
        if amount < MIN_TRANSFER:
            return answer(result_code="FAIL", err_code="AMOUNT_LIMIT", err_code_des="付款金额不能小于最低限额")
        try:
            with transaction.atomic():
                existing = MchTransfer.objects.create(
                    partner_trade_no=data["partner_trade_no"], openid=data["openid"], amount=amount,
                    description=data.get("desc", "")[:100], payment_no="10100" + f"{secrets.randbelow(10**20):020d}",
                )
        except IntegrityError:  # the same transfer asked twice at once: it is paid once
            existing = MchTransfer.objects.get(partner_trade_no=data["partner_trade_no"])
    elif existing.amount != amount or existing.openid != data.get("openid"):
        return answer(result_code="FAIL", err_code="PARAM_ERROR", err_code_des="商户订单号重复，参数不一致")
    return answer(result_code="SUCCESS", partner_trade_no=existing.partner_trade_no, payment_no=existing.payment_no,
                  payment_time=timezone.localtime(existing.created_at).strftime("%Y-%m-%d %H:%M:%S"))


# 现金红包: 1–200 yuan each unless the request names a scene (scene_id), which WeChat
# then allows from 0.30 up to 4999 yuan.
RED_PACK_MIN, RED_PACK_MAX = 100, 20000
RED_PACK_SCENE_MIN, RED_PACK_SCENE_MAX = 30, 499900
BILLNO = re.compile(r"[0-9A-Za-z]{1,28}")
# Byte lengths (UTF-8) WeChat allows for the texts shown on the packet.
RED_PACK_TEXTS = {"send_name": 32, "act_name": 32, "wishing": 128, "remark": 256}


@csrf_exempt
@require_POST
def send_red_pack(request):
    """发放普通红包 (mmpaymkttransfers/sendredpack): signed like the other merchant APIs but
    naming the app `wxappid`; one packet per mch_billno, so a repeat (after a timeout) is
    answered with the packet already sent, never a second one."""
    data = _verified(request, appid_field="wxappid", mismatch="wxappid与mch_id不匹配")
    if isinstance(data, HttpResponse):
        return data

    def answer(**fields):
        base = {"return_code": "SUCCESS", "return_msg": "", "wxappid": data["wxappid"], "mch_id": data["mch_id"],
                "nonce_str": random_string(32), "mch_billno": data.get("mch_billno", "")[:28]}
        fields = {key: str(value) for key, value in {**base, **fields}.items() if value not in (None, "")}
        return _xml(fields, calculate_signature(fields, settings.WECHAT_PAY_API_KEY))

    def refuse(code: str, description: str):
        return answer(return_msg=description, result_code="FAIL", err_code=code, err_code_des=description)

    missing = [name for name in ("mch_billno", "re_openid", "total_amount", "total_num", "client_ip", *RED_PACK_TEXTS) if not data.get(name)]
    if missing:
        return refuse("PARAM_ERROR", f"缺少参数{missing[0]}")
    if not BILLNO.fullmatch(data["mch_billno"]):
        return refuse("PARAM_ERROR", "mch_billno 参数错误：最长 28 位数字或字母")
    too_long = next((name for name, limit in RED_PACK_TEXTS.items() if len(data[name].encode()) > limit), "")
    if too_long:
        return refuse("PARAM_ERROR", f"{too_long} 长度超过限制")
    amount = _fen(data["total_amount"])
    if amount is None or data["total_num"] != "1":
        return refuse("PARAM_ERROR", "total_amount 或 total_num 参数错误")
    low, high = (RED_PACK_SCENE_MIN, RED_PACK_SCENE_MAX) if data.get("scene_id") else (RED_PACK_MIN, RED_PACK_MAX)
    if not low <= amount <= high:
        return refuse("MONEY_LIMIT", "每个红包的金额必须在1.00元到200.00元之间")

    sent = MchRedPack.objects.filter(mch_billno=data["mch_billno"]).first()
    if sent is None:
        if not EmulatedUser.objects.filter(openid=data["re_openid"][:64]).exists():
            return refuse("OPENID_ERROR", "openid字段不正确")
        try:
            with transaction.atomic():
                sent = MchRedPack.objects.create(
                    mch_billno=data["mch_billno"], openid=data["re_openid"], total_amount=amount, send_name=data["send_name"],
                    act_name=data["act_name"], wishing=data["wishing"], remark=data["remark"],
                    send_listid="1000041701" + timezone.localtime().strftime("%Y%m%d") + f"{secrets.randbelow(10**10):010d}",
                )
        except IntegrityError:  # the same packet asked twice at once: it is sent once
            sent = MchRedPack.objects.get(mch_billno=data["mch_billno"])
    if (sent.openid, sent.total_amount) != (data["re_openid"], amount):
        return refuse("FATAL_ERROR", "openid和原始单参数不一致")
    return answer(return_msg="发放成功", result_code="SUCCESS", err_code="SUCCESS", err_code_des="发放成功",
                  re_openid=sent.openid, total_amount=sent.total_amount, send_listid=sent.send_listid)
