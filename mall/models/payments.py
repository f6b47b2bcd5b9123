
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from config.numbers import new_refund_number
from config.status import StatusFlow
from mall.models.orders import Order, OrderStatus


class PaymentState(models.TextChoices):
    OPEN = "open", "待支付"  # a WeChat order (prepay) exists, not paid yet
    PAID = "paid", "已支付"
    CLOSED = "closed", "已关闭"  # never paid, and closed at WeChat


class Payment(models.Model):
    """The WeChat Pay side of an order. One per order: its out_trade_no is the order
    number, so WeChat can take the money at most once."""

    order = models.OneToOneField(Order, verbose_name="订单", on_delete=models.PROTECT, related_name="payment")
    out_trade_no = models.CharField("商户订单号", max_length=32, unique=True)
    amount_fen = models.PositiveBigIntegerField("金额（分）")
    state = models.CharField("状态", max_length=10, choices=PaymentState.choices, default=PaymentState.OPEN)
    # What the unified order said the first time; WeChat refuses the same out_trade_no
    # again with any field changed, so every later call repeats exactly these.
    body = models.CharField("商品描述", max_length=128, blank=True)
    client_ip = models.CharField("下单 IP", max_length=64, blank=True)
    prepay_id = models.CharField("预支付 ID", max_length=64, blank=True)
    prepay_expires_at = models.DateTimeField("预支付失效", null=True, blank=True)
    # The unique key that makes a notification delivered twice count once.
    transaction_id = models.CharField("微信支付单号", max_length=32, unique=True, null=True, blank=True)
    payer_openid = models.CharField("付款人 openid", max_length=64, blank=True)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    arrived_after_cancel = models.BooleanField("取消后到账", default=False, help_text="订单已取消后才收到的付款，已自动全额退款")
    last_checked_at = models.DateTimeField("最近查单", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "支付记录"
        verbose_name_plural = "支付记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="payment_state_created")]

    def __str__(self):
        return self.out_trade_no


class RefusedNotice(models.Model):
    """A notification WeChat signed correctly that we could not accept (an unknown order,
    a wrong amount, a transaction id already used by another order): WeChat says money
    moved and our records disagree, so an operator looks at each one. WeChat repeats
    a refused notification for a day; the repeats only count up `times`."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "支付通知"
        REFUND = "refund", "退款通知"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    # As long as WeChat allows (out_refund_no: 64), so recording a stranger's number never fails.
    reference = models.CharField("商户单号", max_length=64, help_text="支付通知为商户订单号，退款通知为退款单号")
    wechat_id = models.CharField("微信单号", max_length=64, blank=True)
    amount_fen = models.BigIntegerField("金额（分）")
    reason = models.CharField("拒绝原因", max_length=200)
    times = models.PositiveIntegerField("收到次数", default=1)
    first_at = models.DateTimeField("首次收到", auto_now_add=True)
    last_at = models.DateTimeField("最近收到", default=timezone.now)

    class Meta:
        verbose_name = "被拒绝的微信通知"
        verbose_name_plural = "被拒绝的微信通知"
        ordering = ["-last_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "reference", "wechat_id"], name="refused_notice_once", violation_error_message="这条被拒绝的微信通知已记录")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reference}"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", "待审核"
    RETURNING = "returning", "已同意，待买家退货"
    APPROVED = "approved", "已同意，待提交微信"
    PROCESSING = "processing", "微信退款中"
    REFUNDED = "refunded", "已退款"
    REJECTED = "rejected", "已拒绝"
    FAILED = "failed", "退款失败"


OPEN_REFUND_STATUSES = [RefundStatus.REQUESTED, RefundStatus.RETURNING, RefundStatus.APPROVED, RefundStatus.PROCESSING]
# Which status may follow which. WeChat has the last word on money: a refund it completes
# is refunded whatever we had decided (even one given up after it was refused).
REFUND_FLOW = StatusFlow({
    RefundStatus.REQUESTED: {RefundStatus.APPROVED, RefundStatus.RETURNING, RefundStatus.REJECTED},
    # A return is refunded once the goods are back in the warehouse.
    RefundStatus.RETURNING: {RefundStatus.APPROVED, RefundStatus.REJECTED},
    RefundStatus.APPROVED: {RefundStatus.PROCESSING, RefundStatus.FAILED, RefundStatus.REFUNDED},
    RefundStatus.PROCESSING: {RefundStatus.REFUNDED, RefundStatus.FAILED},
    RefundStatus.FAILED: {RefundStatus.APPROVED, RefundStatus.REJECTED, RefundStatus.REFUNDED},
    RefundStatus.REJECTED: {RefundStatus.REFUNDED},
    RefundStatus.REFUNDED: set(),
})


class RefundKind(models.TextChoices):
    SHOPPER = "shopper", "买家申请"
    LATE_PAYMENT = "late_payment", "取消后到账自动退款"


class RefundType(models.TextChoices):
    REFUND_ONLY = "refund_only", "仅退款"
    RETURN_AND_REFUND = "return_and_refund", "退货退款"


class Refund(models.Model):
    """An after-sales request and the money going back through WeChat Pay."""

    order = models.ForeignKey(Order, verbose_name="订单", on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField("退款单号", max_length=32, unique=True, default=new_refund_number, editable=False)
    kind = models.CharField("类型", max_length=20, choices=RefundKind.choices, default=RefundKind.SHOPPER)
    amount_fen = models.PositiveBigIntegerField("退款金额（分）")
    # The part that goes back to the store balance (the order was partly paid from it);
    # the rest goes back through WeChat Pay. WeChat's part is returned first.
    balance_fen = models.PositiveBigIntegerField("退回余额（分）", default=0)
    refund_type = models.CharField("售后类型", max_length=20, choices=RefundType.choices, default=RefundType.REFUND_ONLY)
    reason = models.CharField("原因", max_length=200)
    note = models.CharField("补充说明", max_length=200, blank=True)
    status = models.CharField("状态", max_length=12, choices=RefundStatus.choices, default=RefundStatus.REQUESTED)
    # Where the order goes back to when this request is rejected, or after a partial refund.
    order_status_before = models.CharField("申请前订单状态", max_length=20, choices=OrderStatus.choices)
    restock = models.BooleanField("退回库存", default=False, help_text="整单退款且尚未发货时，退款成功后库存退回")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reject_reason = models.CharField("拒绝原因", max_length=200, blank=True)
    return_tracking_number = models.CharField("退货快递单号", max_length=40, blank=True)
    wechat_refund_id = models.CharField("微信退款单号", max_length=32, unique=True, null=True, blank=True)
    submitted_at = models.DateTimeField("提交微信时间", null=True, blank=True)
    refunded_at = models.DateTimeField("退款到账时间", null=True, blank=True)
    failure_reason = models.CharField("失败原因", max_length=200, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = "售后退款"
        verbose_name_plural = "售后退款"
        ordering = ["-id"]
        # Deciding where money goes is its own right, apart from seeing the queue.
        permissions = [("approve_refund", "审核退款（同意、拒绝、重新提交）")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive", violation_error_message="退款金额必须大于 0"),
            models.CheckConstraint(condition=Q(balance_fen__lte=F("amount_fen")), name="refund_balance_part_within_amount", violation_error_message="退回余额的部分不能超过退款金额"),
            # One after-sales request in flight per order at a time.
            models.UniqueConstraint(fields=["order"], condition=Q(status__in=OPEN_REFUND_STATUSES), name="refund_one_open_per_order", violation_error_message="该订单已有处理中的售后申请"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="refund_status_created")]

    def __str__(self):
        return self.out_refund_no

    @property
    def wechat_fen(self) -> int:
        """The part WeChat Pay sends back."""
        return self.amount_fen - self.balance_fen


class RefundLine(models.Model):
    """Which of the order's items (and how many of each) a request is about: what the
    shopper sends back in a return, and what may not be asked for twice."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("mall.OrderLine", verbose_name="订单商品", on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField("数量")

    class Meta:
        verbose_name = "售后商品"
        verbose_name_plural = "售后商品"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="refund_line_quantity_positive", violation_error_message="售后商品数量至少为 1"),
            models.UniqueConstraint(fields=["refund", "order_line"], name="refund_line_once", violation_error_message="同一商品在一个申请中只能出现一次"),
        ]

    def __str__(self):
        return f"{self.order_line.title} × {self.quantity}"


class RefundPhoto(models.Model):
    """A photo the shopper attached (a damaged parcel, the wrong colour) for the operator."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("凭证图片", upload_to="refunds/%Y/%m/")

    class Meta:
        verbose_name = "售后凭证"
        verbose_name_plural = "售后凭证"
        ordering = ["id"]

    def __str__(self):
        return self.image.name
