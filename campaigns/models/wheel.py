from django.conf import settings
from django.db import models
from django.db.models import F, Q

from campaigns.models.calendar import Campaign


class Wheel(models.Model):
    """A lucky wheel: who may spin how often, for how many points."""

    campaign = models.OneToOneField(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="wheel")
    cost_points = models.PositiveIntegerField("每次消耗积分", default=0)
    spins_per_day = models.PositiveSmallIntegerField("每人每天次数", default=3)
    spins_per_campaign = models.PositiveIntegerField("每人活动期间总次数", null=True, blank=True, help_text="留空不限")

    class Meta:
        verbose_name = "大转盘"
        verbose_name_plural = "大转盘"

    def __str__(self):
        return str(self.campaign)


class PrizeKind(models.TextChoices):
    POINTS = "points", "积分"
    COUPON = "coupon", "优惠券"
    PHYSICAL = "physical", "实物"
    RED_PACKET = "red_packet", "余额红包"
    NONE = "none", "谢谢参与"


class WheelPrize(models.Model):
    """One slot of the wheel: its chance (weight), its stock (null: unlimited), and what it
    gives. When its stock runs out, a spin that lands on it gets the consolation slot."""

    wheel = models.ForeignKey(Wheel, verbose_name="大转盘", on_delete=models.CASCADE, related_name="prizes")
    name = models.CharField("奖品名称", max_length=30)
    kind = models.CharField("类型", max_length=12, choices=PrizeKind.choices)
    weight = models.PositiveIntegerField("权重", default=1, help_text="被抽中的相对机会")
    stock = models.PositiveIntegerField("库存", null=True, blank=True, help_text="留空不限")
    given = models.PositiveIntegerField("已发出", default=0, editable=False)
    points = models.PositiveIntegerField("积分", default=0)
    coupon_template = models.ForeignKey("mall.CouponTemplate", verbose_name="优惠券", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    balance_fen = models.PositiveBigIntegerField("余额红包（分）", default=0)
    image = models.ImageField("图片", upload_to="prizes/", blank=True)
    position = models.PositiveSmallIntegerField("盘面位置", default=0)

    class Meta:
        verbose_name = "奖品"
        verbose_name_plural = "奖品"
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="prize_weight_positive", violation_error_message="权重必须大于 0"),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(given__lte=F("stock")), name="prize_given_within_stock",
                violation_error_message="已发出的奖品不能超过库存",
            ),
        ]

    def __str__(self):
        return self.name


class Spin(models.Model):
    """One spin and what it won; the prize it gave is the record the stock was taken for."""

    wheel = models.ForeignKey(Wheel, verbose_name="大转盘", on_delete=models.PROTECT, related_name="spins")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.PROTECT, related_name="+")
    day = models.DateField("日期")
    prize = models.ForeignKey(WheelPrize, verbose_name="奖品", null=True, blank=True, on_delete=models.PROTECT, related_name="spins")
    prize_kind = models.CharField("结果", max_length=12, choices=PrizeKind.choices)
    cost_points = models.PositiveIntegerField("消耗积分", default=0)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "抽奖记录"
        verbose_name_plural = "抽奖记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["wheel", "member", "day"], name="spin_member_day")]


class SpinCount(models.Model):
    """How many times a member spun a wheel in all (day null) or on one day: the rows the
    quotas are enforced on, one guarded UPDATE each."""

    wheel = models.ForeignKey(Wheel, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "抽奖计数"
        verbose_name_plural = "抽奖计数"
        constraints = [
            models.UniqueConstraint(fields=["wheel", "member"], condition=Q(day__isnull=True), name="spin_count_per_member",
                                    violation_error_message="该会员的抽奖计数已存在"),
            models.UniqueConstraint(fields=["wheel", "member", "day"], name="spin_count_per_member_day",
                                    violation_error_message="该会员当天的抽奖计数已存在"),
        ]


class ShipmentStatus(models.TextChoices):
    AWAITING_ADDRESS = "awaiting_address", "待填地址"
    TO_SHIP = "to_ship", "待发货"
    SHIPPED = "shipped", "已发货"


class PrizeShipment(models.Model):
    """A physical prize on its way: the winner's address, then the operator's parcel."""

    spin = models.OneToOneField(Spin, verbose_name="抽奖记录", on_delete=models.PROTECT, related_name="shipment")
    status = models.CharField("状态", max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.AWAITING_ADDRESS)
    receiver_name = models.CharField("收货人", max_length=20, blank=True)
    receiver_phone = models.CharField("收货手机", max_length=20, blank=True)
    address = models.CharField("收货地址", max_length=200, blank=True)
    carrier = models.CharField("快递公司", max_length=10, blank=True)
    tracking_number = models.CharField("快递单号", max_length=40, blank=True)
    shipped_at = models.DateTimeField("发货时间", null=True, blank=True)
    created_at = models.DateTimeField("中奖时间", auto_now_add=True)

    class Meta:
        verbose_name = "实物奖品发货"
        verbose_name_plural = "实物奖品发货"
        ordering = ["status", "-id"]
