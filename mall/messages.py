"""Service messages (模板消息) for the shopper: paid, shipped, refunded.

Sent from the domain events after commit, through wechat's outbox (one message per
dedup key, delivered and retried by Celery). Template ids are operator settings; a
blank id means that message is not sent. The keywords follow the commonly used order
templates of the WeChat template library (订单号, 金额, 时间 …).
"""

from django.conf import settings
from django.utils import timezone

from config.money import format_yuan
from mall.events import order_paid, order_refunded, order_shipped
from mall.models import ShopSettings
from wechat.messages import queue_template_message


def _send(order, *, dedup: str, template_id: str, first: str, keywords: list[str], remark: str) -> None:
    data = {"first": {"value": first}, "remark": {"value": remark}}
    for index, value in enumerate(keywords, 1):
        data[f"keyword{index}"] = {"value": value}
    queue_template_message(
        dedup_key=f"order:{order.pk}:{dedup}",
        openid=order.member.openid or "",
        template_id=template_id,
        data=data,
        url=f"{settings.SITE_URL}/orders/{order.number}/",
    )


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def on_paid(sender, order, **kwargs):
    _send(
        order,
        dedup="paid",
        template_id=ShopSettings.load().paid_template_id,
        first="您的订单已支付成功",
        keywords=[order.number, f"¥{format_yuan(order.pay_fen)}", _time(order.paid_at)],
        remark="我们会尽快为您发货，点击查看订单详情。",
    )


def on_shipped(sender, order, **kwargs):
    _send(
        order,
        dedup="shipped",
        template_id=ShopSettings.load().shipped_template_id,
        first="您的订单已发货",
        keywords=[order.number, order.get_carrier_display(), order.tracking_number, _time(order.shipped_at)],
        remark="请留意快递信息，收到后记得确认收货。",
    )


def on_refunded(sender, order, refund, **kwargs):
    _send(
        order,
        dedup=f"refund:{refund.pk}",
        template_id=ShopSettings.load().refunded_template_id,
        first="您的退款已到账",
        keywords=[order.number, f"¥{format_yuan(refund.amount_fen)}", _time(refund.refunded_at)],
        remark="退款已原路退回微信支付账户，如有疑问请联系客服。",
    )


def connect() -> None:
    order_paid.connect(on_paid, dispatch_uid="mall.messages.paid")
    order_shipped.connect(on_shipped, dispatch_uid="mall.messages.shipped")
    order_refunded.connect(on_refunded, dispatch_uid="mall.messages.refunded")
