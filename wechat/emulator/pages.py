"""The emulator's own pages, for people: its home, the cashier that stands in for
WeChat's payment sheet, what it sent and received, and a phone to send events from.

Two audiences. Shoppers reach the home page and the cashier (by an unguessable
prepay_id). What the emulator sent and received — every shopper's payments, refunds,
transfers and service messages — and the phone that speaks as any test user are for the
operator: they need a staff login, like the admin."""

import re
import secrets
import time

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from wechatpy.pay.utils import dict_to_xml

from config.redirects import local_next
from wechat.emulator.models import (
    CustomMessage,
    Delivery,
    EmulatedUser,
    MchOrder,
    MchRedPack,
    MchRefund,
    MchTransfer,
    QrTicket,
    SentTemplateMessage,
)
from wechat.emulator.notices import deliver, deliver_payment_notice, signed_callback_url
from wechat.emulator.tasks import RETRY_DELAYS, repeat_payment_notice
from wechat.emulator.users import default_users, ensure_default_users

ACCOUNT_ID = "gh_micromall0001"
PREPAY_ID = re.compile(r"wx[0-9a-f]{8,60}")  # the official account's own id, as WeChat writes it in messages


def index(request):
    # Only the built-in test users: whoever else logged in through the emulator is a
    # shopper, and this page is public.
    return render(request, "wx_emulator/index.html", {"users": default_users()})


@require_http_methods(["GET", "POST"])
def cashier(request):
    """Where the checkout lands instead of WeixinJSBridge: pay, or cancel."""
    prepay_id = request.GET.get("prepay_id", "")
    if not PREPAY_ID.fullmatch(prepay_id):
        raise Http404
    order = get_object_or_404(MchOrder, prepay_id=prepay_id)
    back = local_next(request, default="/", param="return")
    expired = order.trade_state == MchOrder.State.NOTPAY and order.time_expire <= timezone.now()
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            return redirect(back)
        if not expired and _pay(order):
            # The first notification right away, so the shopper comes back to a paid
            # order; WeChat's repeats follow if the shop did not answer SUCCESS.
            if not deliver_payment_notice(MchOrder.objects.get(pk=order.pk)).accepted:
                repeat_payment_notice.apply_async(args=(order.pk,), countdown=RETRY_DELAYS[0])
            return redirect(back)
        order.refresh_from_db()
    payer = EmulatedUser.objects.filter(openid=order.openid).first()
    return render(request, "wx_emulator/cashier.html", {"order": order, "payer": payer, "back": back, "expired": expired})


def _pay(order: MchOrder) -> bool:
    now = timezone.now()
    transaction_id = "42000" + timezone.localtime(now).strftime("%Y%m%d") + f"{secrets.randbelow(10**15):015d}"
    return bool(
        MchOrder.objects.filter(pk=order.pk, trade_state=MchOrder.State.NOTPAY).update(
            trade_state=MchOrder.State.SUCCESS, transaction_id=transaction_id, time_end=now
        )
    )


@staff_member_required
def payments(request):
    orders = MchOrder.objects.prefetch_related("refunds")[:50]
    deliveries = {}
    for delivery in Delivery.objects.filter(kind__in=["payment", "refund"])[:200]:
        deliveries.setdefault(delivery.reference, []).append(delivery)
    transfers = MchTransfer.objects.all()[:50]
    red_packs = MchRedPack.objects.all()[:50]
    nicknames = dict(EmulatedUser.objects.values_list("openid", "nickname"))
    return render(
        request, "wx_emulator/payments.html",
        {"orders": orders, "deliveries": deliveries, "transfers": transfers, "red_packs": red_packs, "nicknames": nicknames},
    )


@staff_member_required
@require_POST
def resend_payment_notice(request, pk):
    """WeChat repeats a notification until the shop says SUCCESS; do it by hand."""
    order = get_object_or_404(MchOrder, pk=pk, transaction_id__isnull=False)
    deliver_payment_notice(order)
    return redirect("wx_emulator:payments")


@staff_member_required
def messages(request):
    sent = SentTemplateMessage.objects.all()[:100]
    nicknames = dict(EmulatedUser.objects.values_list("openid", "nickname"))
    return render(request, "wx_emulator/messages.html", {"messages": sent, "nicknames": nicknames})


EVENTS = {
    "subscribe": "关注公众号",
    "subscribe_scene": "扫带参二维码关注",
    "scan": "已关注用户扫码",
    "unsubscribe": "取消关注",
    "text": "发送文字消息",
}


@staff_member_required
@require_http_methods(["GET", "POST"])
def official_account(request):
    users = ensure_default_users()
    result = None
    if request.method == "POST":
        user = get_object_or_404(EmulatedUser, openid=request.POST.get("openid", "").replace("\x00", "")[:64])
        event = request.POST.get("event", "")
        scene = request.POST.get("scene", "").replace("\x00", "").strip()[:64]
        text = request.POST.get("text", "").replace("\x00", "").strip()[:600]
        if event in EVENTS:
            result = _send_event(user, event, scene, text)
    return render(
        request,
        "wx_emulator/official_account.html",
        {"users": users, "events": EVENTS, "result": result, "qrcodes": QrTicket.objects.order_by("-id")[:20],
         "log": Delivery.objects.filter(kind="event")[:20]},
    )


def _send_event(user: EmulatedUser, event: str, scene: str, text: str) -> Delivery:
    message = {"ToUserName": ACCOUNT_ID, "FromUserName": user.openid, "CreateTime": str(int(time.time()))}
    if event == "text":
        message |= {"MsgType": "text", "Content": text or "你好", "MsgId": str(secrets.randbelow(10**18))}
        # WeChat's own memory of what the user wrote: it opens the 48-hour reply window.
        CustomMessage.objects.create(openid=user.openid, sender=CustomMessage.Sender.USER, content=message["Content"])
    else:
        message |= {"MsgType": "event", "Event": {"subscribe_scene": "subscribe", "scan": "SCAN"}.get(event, event)}
        if event == "subscribe_scene":
            message |= {"EventKey": f"qrscene_{scene or 'demo'}", "Ticket": "emulator"}
        elif event == "scan":
            message |= {"EventKey": scene or "demo", "Ticket": "emulator"}
    # WeChat's own subscription bookkeeping, so template messages see who follows.
    if event in ("subscribe", "subscribe_scene"):
        EmulatedUser.objects.filter(pk=user.pk).update(subscribed=True)
    elif event == "unsubscribe":
        EmulatedUser.objects.filter(pk=user.pk).update(subscribed=False)
    url = signed_callback_url(f"{settings.SITE_URL}/wechat/callback/")
    return deliver(kind="event", reference=user.openid, url=url, body=dict_to_xml(message).encode())


@staff_member_required
def refunds(request):
    return render(request, "wx_emulator/refunds.html", {"refunds": MchRefund.objects.select_related("order")[:50]})
