from django.conf import settings
from django.db import models
from django.db.models import F, Q
from solo.models import SingletonModel

from config.money import format_yuan


class CampaignType(models.TextChoices):
    PROMOTION = "promotion", "促销活动"
    THEME = "theme", "主题活动"
    REGULAR = "regular", "常规活动"
    BRAND = "brand", "品牌活动"


class CampaignGoal(models.TextChoices):
    SALES = "sales", "提升销量"
    BASKET = "basket", "提高客单价"
    CONVERSION = "conversion", "提升转化"
    ACTIVITY = "activity", "提升活跃"


class Play(models.TextChoices):
    """How a shopper takes part; the API calls it the campaign's `kind`."""

    CHECKIN = "checkin", "每日签到"
    WHEEL = "wheel", "大转盘"
    RED_PACKET = "red_packet", "抢红包"
    COUPON = "coupon", "领券"
    SHARE_PACKET = "share_packet", "分享红包"
    FOLLOW_GIFT = "follow_gift", "有奖关注"
    REFERRAL_GIFT = "referral_gift", "老带新"
    OTHER = "other", "其他（仅排期）"


class Audience(models.TextChoices):
    ALL = "all", "全部会员"


class Campaign(models.Model):
    """One entry of the campaign calendar: what it is for, when it runs, who may join, and
    how (its play, whose details hang off it one-to-one). It runs while it is switched on
    and now is between its start and its end."""

    title = models.CharField("名称", max_length=40)
    type = models.CharField("活动类型", max_length=12, choices=CampaignType.choices, default=CampaignType.THEME)
    goal = models.CharField("活动目标", max_length=12, choices=CampaignGoal.choices, default=CampaignGoal.ACTIVITY)
    play = models.CharField("玩法", max_length=16, choices=Play.choices)
    # Important campaigns must follow one another with no gap; the calendar shows the gaps.
    is_important = models.BooleanField("重点活动", default=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    is_active = models.BooleanField("上线", default=True)
    # "all", or an audience another app registers (the CRM's "segment:<id>"): the choices
    # come from campaigns.selectors.audience_choices, so the column carries none of its own.
    audience = models.CharField("参与对象", max_length=32, default=Audience.ALL)
    rules = models.JSONField("规则（最多 3 步）", default=list, blank=True, help_text="会员看到的步骤，每步一句，最多 3 步")
    banner = models.ImageField("活动图", upload_to="campaigns/", blank=True)
    # The coupons this campaign hands out or features (a 领券 campaign's coupons; any
    # campaign's, for its stats: orders and sales that used them).
    coupon_templates = models.ManyToManyField("mall.CouponTemplate", verbose_name="活动优惠券", blank=True, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "活动"
        verbose_name_plural = "活动日历"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="campaign_ends_after_start",
                                   violation_error_message="结束时间必须晚于开始时间"),
        ]
        indexes = [models.Index(fields=["is_active", "starts_at", "ends_at"], name="campaign_running")]

    def __str__(self):
        return self.title


class Participation(models.Model):
    """A member took part in a campaign: one row each, the base of participation rates."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="participations")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.CASCADE, related_name="+")
    first_at = models.DateTimeField("首次参与", auto_now_add=True)

    class Meta:
        verbose_name = "活动参与"
        verbose_name_plural = "活动参与"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="participation_once", violation_error_message="该会员已参与过此活动"),
        ]


class RewardKind(models.TextChoices):
    POINTS = "points", "积分"
    COUPON = "coupon", "优惠券"
    BALANCE = "balance", "余额"


class Reward(models.Model):
    """What a member gets for doing something (a day's check-in, a streak, following, a
    friend's first order): points, a coupon, or store balance."""

    kind = models.CharField("奖励类型", max_length=10, choices=RewardKind.choices, default=RewardKind.POINTS)
    points = models.PositiveIntegerField("积分", default=0)
    coupon_template = models.ForeignKey("mall.CouponTemplate", verbose_name="优惠券", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    balance_fen = models.PositiveBigIntegerField("余额（分）", default=0)

    class Meta:
        verbose_name = "奖励"
        verbose_name_plural = "奖励"
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="points", points__gt=0) | Q(kind="coupon", coupon_template__isnull=False) | Q(kind="balance", balance_fen__gt=0)),
                name="reward_has_something", violation_error_message="请填写奖励内容：积分数、优惠券或余额金额",
            ),
        ]

    def __str__(self):
        if self.kind == RewardKind.POINTS:
            return f"{self.points} 积分"
        if self.kind == RewardKind.COUPON:
            return f"优惠券：{self.coupon_template}"
        return f"余额 {format_yuan(self.balance_fen)} 元"


class CampaignSettings(SingletonModel):
    """Rules shared by every campaign."""

    points_per_yuan = models.PositiveSmallIntegerField(
        "购物积分（每元）", default=1, help_text="订单完成时每实付 1 元得多少积分；退款按比例扣回；0 为不送"
    )

    class Meta:
        verbose_name = "活动设置"
        verbose_name_plural = "活动设置"

    def __str__(self):
        return "活动设置"
