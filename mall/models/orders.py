
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from config.numbers import new_order_number
from config.status import StatusFlow
from mall.models.catalog import SKU, Product

# The domain events an order announces through the outbox (payload: order_id, and
# refund_id for a refund); other apps subscribe to them in their `receivers`.
ORDER_CREATED = "order.created"
ORDER_PAID = "order.paid"
ORDER_CANCELLED = "order.cancelled"
ORDER_SHIPPED = "order.shipped"
ORDER_COMPLETED = "order.completed"
ORDER_REFUNDED = "order.refunded"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "待付款"
    PAID = "paid", "待发货"
    SHIPPED = "shipped", "已发货"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已取消"
    REFUNDING = "refunding", "退款中"
    REFUNDED = "refunded", "已退款"


# Which status may follow which. Refunds return an order to where it was (refunding →
# paid/shipped/completed) or end it refunded; a refund WeChat completes after it was given
# up can end an order refunded from where it stands.
ORDER_FLOW = StatusFlow({
    OrderStatus.PENDING_PAYMENT: {OrderStatus.PAID, OrderStatus.CANCELLED},
    OrderStatus.PAID: {OrderStatus.SHIPPED, OrderStatus.REFUNDING, OrderStatus.REFUNDED},
    OrderStatus.SHIPPED: {OrderStatus.COMPLETED, OrderStatus.REFUNDING, OrderStatus.REFUNDED},
    OrderStatus.COMPLETED: {OrderStatus.REFUNDING, OrderStatus.REFUNDED},
    OrderStatus.REFUNDING: {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.REFUNDED},
    OrderStatus.CANCELLED: set(),
    OrderStatus.REFUNDED: set(),
})
# The domain event an order announces when it moves forward (going back from `refunding`
# announces nothing; the refund event carries the refund and comes from after-sales).
ORDER_STATUS_EVENTS = {
    (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID): ORDER_PAID,
    (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED): ORDER_CANCELLED,
    (OrderStatus.PAID, OrderStatus.SHIPPED): ORDER_SHIPPED,
    (OrderStatus.SHIPPED, OrderStatus.COMPLETED): ORDER_COMPLETED,
}


class Carrier(models.TextChoices):
    SF = "SF", "顺丰速运"
    JD = "JD", "京东物流"
    ZTO = "ZTO", "中通快递"
    YTO = "YTO", "圆通速递"
    YD = "YD", "韵达快递"
    STO = "STO", "申通快递"
    JT = "JT", "极兔速递"
    EMS = "EMS", "EMS"
    OTHER = "OTHER", "其他"


class Order(models.Model):
    number = models.CharField("订单号", max_length=32, unique=True, default=new_order_number, editable=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.PROTECT, related_name="orders")
    status = models.CharField("状态", max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT)
    goods_fen = models.PositiveBigIntegerField("商品金额（分）")
    shipping_fen = models.PositiveBigIntegerField("运费（分）")
    discount_fen = models.PositiveBigIntegerField("优惠（分）", default=0)
    # Paid from the member's store balance (余额) when the order was placed; pay_fen is what
    # WeChat Pay collects on top of it.
    balance_fen = models.PositiveBigIntegerField("余额抵扣（分）", default=0)
    pay_fen = models.PositiveBigIntegerField("微信支付（分）")

    # Where it goes, copied from the address book: later edits there do not move parcels.
    receiver_name = models.CharField("收货人", max_length=20)
    receiver_phone = models.CharField("收货手机", max_length=20)
    province = models.CharField("省份", max_length=20)
    city = models.CharField("城市", max_length=20)
    district = models.CharField("区县", max_length=20, blank=True)
    address_detail = models.CharField("详细地址", max_length=120)
    note = models.CharField("买家留言", max_length=200, blank=True)
    operator_note = models.TextField("商家备注", max_length=1000, blank=True, help_text="仅运营可见：与买家沟通、发货安排等")
    carrier = models.CharField("快递公司", max_length=10, choices=Carrier.choices, blank=True)
    tracking_number = models.CharField("快递单号", max_length=40, blank=True)
    refunded_fen = models.PositiveBigIntegerField("已退款（分）", default=0)
    balance_refunded_fen = models.PositiveBigIntegerField("已退回余额（分）", default=0)

    created_at = models.DateTimeField("下单时间", default=timezone.now)
    expires_at = models.DateTimeField("支付截止")
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    shipped_at = models.DateTimeField("发货时间", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    # Set at completion from the after-sales window then in force; later setting changes
    # do not move it (commission settlement counts on it).
    after_sales_deadline = models.DateTimeField("售后截止", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "订单"
        verbose_name_plural = "订单"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pay_fen=F("goods_fen") + F("shipping_fen") - F("discount_fen") - F("balance_fen")),
                name="order_pay_is_goods_plus_shipping_minus_discount_and_balance", violation_error_message="应付金额须等于商品金额 + 运费 − 优惠 − 余额抵扣",
            ),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_known", violation_error_message="未知的订单状态"),
            models.CheckConstraint(condition=Q(refunded_fen__lte=F("pay_fen") + F("balance_fen")), name="order_refunds_within_paid", violation_error_message="退款总额不能超过实付金额"),
            models.CheckConstraint(
                condition=Q(balance_refunded_fen__lte=F("balance_fen")) & Q(balance_refunded_fen__lte=F("refunded_fen")),
                name="order_balance_refunds_within_balance", violation_error_message="退回余额不能超过余额抵扣的金额",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="order_member_recent"),
            models.Index(fields=["status", "expires_at"], name="order_status_expiry"),
            models.Index(fields=["status", "shipped_at"], name="order_status_shipped"),
        ]

    def __str__(self):
        return self.number

    @property
    def full_address(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.address_detail}"

    @property
    def paid_total_fen(self) -> int:
        """What the shopper pays in all: through WeChat Pay and from their balance."""
        return self.pay_fen + self.balance_fen

    @property
    def refundable_fen(self) -> int:
        return self.paid_total_fen - self.refunded_fen

    @property
    def after_sales_open(self) -> bool:
        """Whether the shopper may ask for money back now: paid for, not all refunded,
        no request in flight (the order would be `refunding`), within the window."""
        if not ORDER_FLOW.allows(self.status, OrderStatus.REFUNDING) or self.refundable_fen <= 0:
            return False
        return self.status != OrderStatus.COMPLETED or self.after_sales_deadline is None or timezone.now() <= self.after_sales_deadline


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    title = models.CharField("商品", max_length=100)
    spec = models.JSONField("规格", default=dict)
    image = models.CharField("图片", max_length=255, blank=True)  # storage name, snapshotted
    price_fen = models.PositiveBigIntegerField("单价（分）")
    quantity = models.PositiveIntegerField("数量")
    discount_fen = models.PositiveBigIntegerField("分摊优惠（分）", default=0)
    # What the buyer paid for this line: the base of refunds and referral commission.
    pay_fen = models.PositiveBigIntegerField("实付（分）")

    class Meta:
        verbose_name = "订单商品"
        verbose_name_plural = "订单商品"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive", violation_error_message="商品数量至少为 1"),
            models.CheckConstraint(
                condition=Q(pay_fen=F("price_fen") * F("quantity") - F("discount_fen")), name="order_line_pay_consistent", violation_error_message="订单商品的实付金额与单价、数量不符"
            ),
        ]

    def __str__(self):
        return f"{self.title} × {self.quantity}"

    @property
    def spec_label(self) -> str:
        return " / ".join(str(value) for value in self.spec.values())


class ActorKind(models.TextChoices):
    SHOPPER = "shopper", "买家"
    OPERATOR = "operator", "运营"
    SYSTEM = "system", "系统"
    WECHAT = "wechat", "微信支付"


_SHOPPER_TEXT = {
    OrderStatus.PENDING_PAYMENT: "订单已提交，等待付款",
    OrderStatus.PAID: "已付款，等待发货",
    OrderStatus.SHIPPED: "商家已发货",
    OrderStatus.COMPLETED: "已确认收货，交易完成",
    OrderStatus.REFUNDING: "已申请退款，等待商家处理",
    OrderStatus.REFUNDED: "退款成功",
}
_CANCELLED_BY = {
    ActorKind.SHOPPER: "你已取消订单",
    ActorKind.SYSTEM: "超时未支付，订单已自动取消",
    ActorKind.OPERATOR: "商家已取消订单",
}


class OrderEvent(models.Model):
    """One row per status change: who, when, from, to, why. Never edited."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("原状态", max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=OrderStatus.choices)
    actor_kind = models.CharField("操作方", max_length=10, choices=ActorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "订单事件"
        verbose_name_plural = "订单事件"
        ordering = ["id"]

    def __str__(self):
        return f"{self.order_id}: {self.from_status or '—'} → {self.to_status}"

    @property
    def shopper_text(self) -> str:
        """What the shopper's timeline says. `reason` is for operators: it carries WeChat
        transaction ids, tracking details and internal notes a shopper must not see."""
        if self.from_status == OrderStatus.REFUNDING and self.to_status != OrderStatus.REFUNDED:
            return f"售后处理完毕，订单回到「{self.get_to_status_display()}」"
        if self.to_status == OrderStatus.CANCELLED:
            return _CANCELLED_BY.get(self.actor_kind, "订单已取消")
        return _SHOPPER_TEXT[self.to_status]
