"""What the storefront does when its own orders move: service messages (模板消息) to the
shopper when an order is paid, shipped or refunded. And when the catalogue is edited:
the cached lists and product pages are forgotten (catalog_changed).

Each is queued in wechat's message outbox (one message per dedup key, sent and retried by
Celery), so handling the same event twice sends once. Template ids are operator
settings; a blank id means that message is not sent. The keywords follow the commonly
used order templates of the WeChat template library (订单号, 金额, 时间 …).
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from config.money import format_yuan
from mall.models import (
    ORDER_PAID,
    ORDER_REFUNDED,
    ORDER_SHIPPED,
    SKU,
    Category,
    Order,
    Product,
    ProductImage,
    Refund,
    ShopSettings,
)
from mall.selectors import shop_settings_forget
from mall.services.catalog import catalog_changed
from outbox.services import subscriber
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


@subscriber(ORDER_PAID, name="mall.paid_message")
def paid_message(event):
    order = _order(event)
    _send(
        order,
        dedup="paid",
        template_id=ShopSettings.get_solo().paid_template_id,
        first="您的订单已支付成功",
        keywords=[order.number, f"¥{format_yuan(order.paid_total_fen)}", _time(order.paid_at)],
        remark="我们会尽快为您发货，点击查看订单详情。",
    )


@subscriber(ORDER_SHIPPED, name="mall.shipped_message")
def shipped_message(event):
    order = _order(event)
    _send(
        order,
        dedup="shipped",
        template_id=ShopSettings.get_solo().shipped_template_id,
        first="您的订单已发货",
        keywords=[order.number, order.get_carrier_display(), order.tracking_number, _time(order.shipped_at)],
        remark="请留意快递信息，收到后记得确认收货。",
    )


@subscriber(ORDER_REFUNDED, name="mall.refunded_message")
def refunded_message(event):
    order = _order(event)
    refund = Refund.objects.get(pk=event.payload["refund_id"])
    _send(
        order,
        dedup=f"refund:{refund.pk}",
        template_id=ShopSettings.get_solo().refunded_template_id,
        first="您的退款已到账",
        keywords=[order.number, f"¥{format_yuan(refund.amount_fen)}", _time(refund.refunded_at)],
        remark="退款已原路退回微信支付账户，如有疑问请联系客服。",
    )


def _order(event) -> Order:
    return Order.objects.select_related("member").get(pk=event.payload["order_id"])


# Every save and delete, whoever makes it (the admin's forms and inlines, the services,
# a shell), so an operator's edit shows at once. The guarded stock UPDATEs of orders,
# cancels and refunds renew their products' pages themselves (products_changed); the bulk
# writes that send no signal call catalog_changed themselves.
@receiver([post_save, post_delete], sender=Product, dispatch_uid="mall.catalog_changed.product")
def product_changed(sender, instance, update_fields=None, **kwargs):
    # A save naming its fields leaves updated_at alone unless it is one of them.
    stale = kwargs.get("signal") is post_save and update_fields is not None and "updated_at" not in update_fields
    catalog_changed(product_ids=[instance.pk] if stale else ())


@receiver([post_save, post_delete], sender=ProductImage, dispatch_uid="mall.catalog_changed.image")
def product_image_changed(sender, instance, **kwargs):
    catalog_changed(product_ids=[instance.product_id])


@receiver([post_save, post_delete], sender=SKU, dispatch_uid="mall.catalog_changed.sku")
@receiver([post_save, post_delete], sender=Category, dispatch_uid="mall.catalog_changed.category")
def listed_changed(sender, instance, **kwargs):
    catalog_changed()


@receiver(post_save, sender=ShopSettings, dispatch_uid="mall.shop_settings_forget")
def _shop_settings_saved(**kwargs):
    shop_settings_forget()  # this process at once; the others within SHOP_SETTINGS_SECONDS
