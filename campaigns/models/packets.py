from django.conf import settings
from django.db import models
from django.db.models import F, Q

from campaigns.models.calendar import Campaign


class SplitMode(models.TextChoices):
    RANDOM = "random", "拼手气（随机）"
    EQUAL = "equal", "平均"


class PacketDelivery(models.TextChoices):
    BALANCE = "balance", "商城余额"
    COUPON = "coupon", "无门槛优惠券"
    WECHAT_CASH = "wechat_cash", "微信现金红包"


class PacketStatus(models.TextChoices):
    ACTIVE = "active", "进行中"
    EXPIRED = "expired", "已过期（未领部分已退回）"


class RedPacket(models.Model):
    """A pool of money split into shares when it is made; a grab claims one unclaimed share.
    A share red packet (分享红包) is one given to a buyer to pass on to friends."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", null=True, blank=True, on_delete=models.PROTECT, related_name="red_packets")
    title = models.CharField("名称", max_length=40)
    total_fen = models.PositiveBigIntegerField("总金额（分）")
    shares = models.PositiveIntegerField("份数")
    shares_left = models.PositiveIntegerField("剩余份数")
    split = models.CharField("拆分方式", max_length=10, choices=SplitMode.choices, default=SplitMode.RANDOM)
    delivers = models.CharField("领到的是", max_length=12, choices=PacketDelivery.choices, default=PacketDelivery.BALANCE)
    # Coupon packets: the no-threshold template whose coupons carry each share's amount.
    coupon_template = models.ForeignKey("mall.CouponTemplate", verbose_name="优惠券模板", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField("过期时间")
    status = models.CharField("状态", max_length=10, choices=PacketStatus.choices, default=PacketStatus.ACTIVE)
    returned_fen = models.PositiveBigIntegerField("过期退回（分）", default=0)
    # Share packets: who got it to pass on, and for which order.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="分享人", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("mall.Order", verbose_name="来源订单", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "红包"
        verbose_name_plural = "红包"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(shares__gte=1), name="packet_shares_positive", violation_error_message="红包至少 1 份"),
            models.CheckConstraint(condition=Q(total_fen__gte=F("shares")), name="packet_a_fen_a_share",
                                   violation_error_message="总金额（分）不能少于份数：每份至少 1 分"),
            models.CheckConstraint(condition=Q(shares_left__lte=F("shares")), name="packet_shares_left_within",
                                   violation_error_message="剩余份数不能超过总份数"),
        ]

    def __str__(self):
        return self.title


class PacketShare(models.Model):
    """One share of a packet, its amount fixed when the packet was made; the shares of a
    packet always add up to its total exactly."""

    packet = models.ForeignKey(RedPacket, verbose_name="红包", on_delete=models.CASCADE, related_name="share_set")
    position = models.PositiveIntegerField("序号")
    amount_fen = models.PositiveBigIntegerField("金额（分）")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="领取人", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    grabbed_at = models.DateTimeField("领取时间", null=True, blank=True)
    # Where the share went: the coupon, the balance row or the WeChat payout reference.
    delivery_reference = models.CharField("发放凭证", max_length=100, blank=True)

    class Meta:
        verbose_name = "红包份额"
        verbose_name_plural = "红包份额"
        ordering = ["packet", "position"]
        constraints = [
            models.UniqueConstraint(fields=["packet", "position"], name="packet_share_position_once", violation_error_message="份额序号重复"),
            models.UniqueConstraint(fields=["packet", "member"], condition=Q(member__isnull=False), name="packet_grab_once_per_member",
                                    violation_error_message="每人只能领一次"),
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="packet_share_at_least_a_fen", violation_error_message="每份至少 1 分"),
        ]
        indexes = [models.Index(fields=["packet", "position"], condition=Q(member__isnull=True), name="packet_share_unclaimed")]


class SharePacketSetup(models.Model):
    """分享红包: after paying, the buyer gets a packet of coupons to pass on to friends."""

    campaign = models.OneToOneField(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="share_packet")
    coupon_template = models.ForeignKey("mall.CouponTemplate", verbose_name="每份优惠券", on_delete=models.PROTECT, related_name="+")
    shares = models.PositiveSmallIntegerField("每单份数", default=5)
    min_order_fen = models.PositiveBigIntegerField("订单满（分）", default=0, help_text="实付达到多少才送")
    valid_hours = models.PositiveSmallIntegerField("有效小时", default=72)

    class Meta:
        verbose_name = "分享红包规则"
        verbose_name_plural = "分享红包规则"
