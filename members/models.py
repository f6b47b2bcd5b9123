"""Who people are: members (shoppers and operators alike), and the profile fields an
operator adds without code."""

import re
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

# No 0/O/1/I/L: codes are read aloud and typed from posters.
REFERRAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ATTRIBUTE_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")


def new_referral_code() -> str:
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(8))


class Gender(models.IntegerChoices):
    UNKNOWN = 0, "未知"
    MALE = 1, "男"
    FEMALE = 2, "女"


class Member(AbstractUser):
    """A shopper (keyed by WeChat openid) or an operator (a member with staff rights)."""

    openid = models.CharField("openid", max_length=64, unique=True, null=True, blank=True)
    unionid = models.CharField("unionid", max_length=64, unique=True, null=True, blank=True)
    nickname = models.CharField("昵称", max_length=64, blank=True)
    avatar_url = models.URLField("头像", max_length=500, blank=True)
    gender = models.PositiveSmallIntegerField("性别", choices=Gender.choices, default=Gender.UNKNOWN)
    province = models.CharField("省份", max_length=32, blank=True)
    city = models.CharField("城市", max_length=32, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True, db_index=True)
    source_channel = models.CharField("来源渠道", max_length=64, blank=True, db_index=True)
    is_subscribed = models.BooleanField("已关注公众号", default=False)
    subscribed_at = models.DateTimeField("关注时间", null=True, blank=True)
    unsubscribed_at = models.DateTimeField("取消关注时间", null=True, blank=True)
    referral_code = models.CharField("推荐码", max_length=16, unique=True, default=new_referral_code)
    points = models.IntegerField("积分", default=0)
    balance_fen = models.BigIntegerField("余额（分）", default=0)
    # Values of the operator-defined ProfileAttributes, by key: {"skin_type": "油性", "height_cm": 168}.
    attributes = models.JSONField("自定义资料", default=dict, blank=True)
    erased_at = models.DateTimeField("个人信息删除时间", null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = "会员"
        verbose_name_plural = "会员"
        permissions = [
            ("export_member", "导出会员个人信息（应本人查阅、复制请求）"),
            ("erase_member", "删除会员个人信息（应本人删除请求，不可撤销）"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="member_points_not_negative", violation_error_message="积分不能为负数"),
            models.CheckConstraint(condition=Q(balance_fen__gte=0), name="member_balance_not_negative", violation_error_message="余额不能为负数"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.nickname or self.username


class OperatorAccount(Member):
    """The same people seen as operator accounts (staff): only superusers manage their
    flags, groups and passwords, in an admin of their own."""

    class Meta:
        proxy = True
        verbose_name = "运营账号"
        verbose_name_plural = "运营账号"


class AttributeKind(models.TextChoices):
    TEXT = "text", "文本"
    NUMBER = "number", "数字"
    CHOICE = "choice", "单选"
    DATE = "date", "日期"
    BOOLEAN = "boolean", "是/否"


# Keys a profile attribute may not take: they already mean something in /api/v1/me.
RESERVED_ATTRIBUTE_KEYS = {
    "id", "openid", "unionid", "nickname", "avatar_url", "referral_code", "is_distributor", "points",
    "balance_fen", "gender", "province", "city", "phone", "attributes", "source_channel",
}


class ProfileAttribute(models.Model):
    """A member profile field an operator adds without code (肤质, 身高 …).

    Members set the values through PATCH /api/v1/me; they are kept in Member.attributes
    under `key`, and segments filter on them."""

    key = models.SlugField("标识", max_length=40, unique=True, help_text="小写英文，如 skin_type；接口与分群里用它")
    label = models.CharField("名称", max_length=32, help_text="会员看到的名字，如 肤质")
    kind = models.CharField("类型", max_length=10, choices=AttributeKind.choices, default=AttributeKind.TEXT)
    choices = models.JSONField("可选值", default=list, blank=True, help_text="单选类型的选项")
    unit = models.CharField("单位", max_length=10, blank=True, help_text="如 cm、kg")
    min_value = models.DecimalField("最小值", max_digits=12, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField("最大值", max_digits=12, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)
    position = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = "会员资料项"
        verbose_name_plural = "会员资料项"
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.label}（{self.key}）"

    def clean(self):
        from django.core.exceptions import ValidationError

        if not ATTRIBUTE_KEY_PATTERN.fullmatch(self.key or ""):
            raise ValidationError({"key": "以小写字母开头，只含小写字母、数字和下划线"})
        if self.key in RESERVED_ATTRIBUTE_KEYS:
            raise ValidationError({"key": "这个标识已被会员基本资料占用"})
        if self.kind == AttributeKind.CHOICE and not self.choices:
            raise ValidationError({"choices": "单选类型至少需要一个选项"})
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError({"max_value": "最大值不能小于最小值"})


class BalanceKind(models.TextChoices):
    WITHDRAWAL = "withdrawal", "佣金提现到余额"
    ORDER_PAYMENT = "order_payment", "下单抵扣"
    ORDER_RETURN = "order_return", "订单取消退回"
    REFUND = "refund", "售后退回余额"
    ADJUSTMENT = "adjustment", "运营调整"


class BalanceEntry(models.Model):
    """One movement of a member's store balance (余额): append-only, unique per source, so
    the same event can never move the money twice. The balance on the member is the sum."""

    member = models.ForeignKey(Member, verbose_name="会员", on_delete=models.PROTECT, related_name="balance_entries")
    kind = models.CharField("类型", max_length=16, choices=BalanceKind.choices)
    amount_fen = models.BigIntegerField("金额（分）", help_text="正数为增加，负数为减少")
    balance_after_fen = models.BigIntegerField("变动后余额（分）")
    source_key = models.CharField("来源", max_length=100, unique=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "余额流水"
        verbose_name_plural = "余额流水"
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=~Q(amount_fen=0), name="balance_entry_not_zero", violation_error_message="余额变动金额不能为 0")]
        indexes = [models.Index(fields=["member", "-id"], name="balance_entry_member_recent")]

    def __str__(self):
        return self.source_key


class PointsReason(models.TextChoices):
    CHECKIN = "checkin", "签到"
    MAKEUP = "makeup", "补签消耗"
    WHEEL_COST = "wheel_cost", "大转盘消耗"
    WHEEL_PRIZE = "wheel_prize", "大转盘奖励"
    ORDER = "order", "购物奖励"
    ORDER_REFUND = "order_refund", "退款扣回"
    GIFT = "gift", "活动奖励"
    ADJUSTMENT = "adjustment", "运营调整"


class PointsEntry(models.Model):
    """One movement of a member's points: append-only, unique per source; the points on
    the member are the sum, and never below zero."""

    member = models.ForeignKey(Member, verbose_name="会员", on_delete=models.PROTECT, related_name="points_entries")
    reason = models.CharField("原因", max_length=16, choices=PointsReason.choices)
    amount = models.IntegerField("积分", help_text="正数为获得，负数为消耗")
    balance_after = models.IntegerField("变动后积分")
    source_key = models.CharField("来源", max_length=100, unique=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "积分流水"
        verbose_name_plural = "积分流水"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="points_entry_not_zero", violation_error_message="积分变动不能为 0"),
        ]
        indexes = [models.Index(fields=["member", "-id"], name="points_entry_member_recent")]

    def __str__(self):
        return self.source_key
