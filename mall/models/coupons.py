from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from mall.models.catalog import Category, Product


class CouponKind(models.TextChoices):
    AMOUNT = "amount", "满减券"
    PERCENT = "percent", "折扣券"


class CouponScope(models.TextChoices):
    ALL = "all", "全场通用"
    CATEGORIES = "categories", "指定分类"
    PRODUCTS = "products", "指定商品"


class CouponValidity(models.TextChoices):
    FIXED = "fixed", "固定日期"
    DAYS = "days", "领取后 N 天"


class CouponTemplate(models.Model):
    """What a coupon is worth, where it applies, how long it lasts, and how many there are.

    Stock and limits are counters moved by guarded UPDATEs (`claimed < total`, a member's
    count below the limit), never read and then written."""

    title = models.CharField("名称", max_length=40)
    kind = models.CharField("类型", max_length=10, choices=CouponKind.choices, default=CouponKind.AMOUNT)
    amount_fen = models.PositiveBigIntegerField("减免金额（分）", default=0, help_text="满减券：减多少")
    percent_off = models.PositiveSmallIntegerField("折扣（减去的百分比）", default=0, help_text="折扣券：20 表示减 20%，即 8 折")
    cap_fen = models.PositiveBigIntegerField("最多减（分）", null=True, blank=True, help_text="折扣券的封顶金额；留空不封顶")
    threshold_fen = models.PositiveBigIntegerField("使用门槛（分）", default=0, help_text="适用商品满多少可用；0 为无门槛")
    scope = models.CharField("适用范围", max_length=12, choices=CouponScope.choices, default=CouponScope.ALL)
    categories = models.ManyToManyField(Category, verbose_name="适用分类", blank=True, related_name="+")
    products = models.ManyToManyField(Product, verbose_name="适用商品", blank=True, related_name="+")
    validity = models.CharField("有效期方式", max_length=10, choices=CouponValidity.choices, default=CouponValidity.DAYS)
    valid_from = models.DateTimeField("生效时间", null=True, blank=True)
    valid_until = models.DateTimeField("失效时间", null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField("领取后有效天数", default=7)
    total = models.PositiveIntegerField("发放总量", null=True, blank=True, help_text="留空不限量")
    claimed = models.PositiveIntegerField("已发放", default=0, editable=False)
    per_member_limit = models.PositiveSmallIntegerField("每人限领", default=1)
    per_member_daily_limit = models.PositiveSmallIntegerField("每人每天限领", null=True, blank=True, help_text="留空不限")
    # Shown in the coupon centre for anyone to claim; otherwise only campaigns give it out.
    is_public = models.BooleanField("领券中心可领", default=True)
    claim_starts_at = models.DateTimeField("开始领取", default=timezone.now)
    claim_ends_at = models.DateTimeField("结束领取", null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "优惠券模板"
        verbose_name_plural = "优惠券模板"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(claimed__lte=F("total")), name="coupon_claimed_within_total",
                violation_error_message="已发放数量不能超过发放总量",
            ),
            models.CheckConstraint(
                condition=~Q(kind="amount") | Q(amount_fen__gt=0), name="coupon_amount_positive",
                violation_error_message="满减券的减免金额必须大于 0",
            ),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(percent_off__gte=1, percent_off__lte=99), name="coupon_percent_between_1_and_99",
                violation_error_message="折扣券减去的百分比须在 1 到 99 之间",
            ),
            models.CheckConstraint(
                condition=Q(per_member_limit__gte=1), name="coupon_member_limit_positive", violation_error_message="每人限领至少 1 张",
            ),
        ]

    def __str__(self):
        return self.title


class CouponStatus(models.TextChoices):
    UNUSED = "unused", "未使用"
    USED = "used", "已使用"


class Coupon(models.Model):
    """One coupon a member holds. It is `used` while the order that took it stands, and
    `unused` again (exactly once) when that order is cancelled, expires or is refunded in
    full. "Expired" is read from `valid_until`, never stored."""

    template = models.ForeignKey(CouponTemplate, verbose_name="模板", on_delete=models.PROTECT, related_name="coupons")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.PROTECT, related_name="coupons")
    status = models.CharField("状态", max_length=10, choices=CouponStatus.choices, default=CouponStatus.UNUSED)
    valid_from = models.DateTimeField("生效时间")
    valid_until = models.DateTimeField("失效时间")
    # Why the member has it ("claim:…", "checkin:…", "wheel:…"): the same source gives once.
    source_key = models.CharField("来源", max_length=100, unique=True)
    order = models.ForeignKey("mall.Order", verbose_name="使用订单", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    created_at = models.DateTimeField("领取时间", auto_now_add=True)

    class Meta:
        verbose_name = "优惠券"
        verbose_name_plural = "优惠券"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="unused", order__isnull=True) | Q(status="used", order__isnull=False),
                name="coupon_used_with_its_order", violation_error_message="已使用的优惠券必须对应一个订单",
            ),
        ]
        indexes = [models.Index(fields=["member", "status", "valid_until"], name="coupon_member_usable")]

    def __str__(self):
        return f"{self.template} · {self.member_id}"


class CouponClaimCount(models.Model):
    """How many of a template a member holds (day is null) or took on one day: the rows
    the limits are enforced on, one guarded UPDATE each."""

    template = models.ForeignKey(CouponTemplate, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "领券计数"
        verbose_name_plural = "领券计数"
        constraints = [
            models.UniqueConstraint(
                fields=["template", "member"], condition=Q(day__isnull=True), name="coupon_count_per_member",
                violation_error_message="该会员的领券计数已存在",
            ),
            models.UniqueConstraint(
                fields=["template", "member", "day"], name="coupon_count_per_member_day", violation_error_message="该会员当天的领券计数已存在",
            ),
        ]
