from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from solo.models import SingletonModel

from config.status import StatusFlow

MEMBER = settings.AUTH_USER_MODEL


class Eligibility(models.TextChoices):
    EVERYONE = "everyone", "所有会员"
    APPLY = "apply", "申请并审核"
    SPEND = "spend", "累计消费满额自动成为"
    APPOINTED = "appointed", "仅由运营指定"


class BindingScope(models.TextChoices):
    NO_REFERRER = "no_referrer", "任何尚无推荐人的会员"
    NEW_MEMBERS = "new_members", "仅新会员（从未下过单）"


class BindingValidity(models.TextChoices):
    PERMANENT = "permanent", "永久有效"
    DAYS = "days", "有效期 N 天"
    LATEST = "latest", "以最近一次点击的链接为准"


class PayoutChannel(models.TextChoices):
    WECHAT = "wechat", "微信零钱"
    BALANCE = "balance", "商城余额"
    MANUAL = "manual", "人工打款"


def default_channels() -> list[str]:
    return [PayoutChannel.WECHAT, PayoutChannel.BALANCE]


class DistributionSettings(SingletonModel):
    """The operator's rules for referral commission: one row, edited in the admin."""

    enabled = models.BooleanField("开启分销", default=True)
    eligibility = models.CharField("分销员资格", max_length=12, choices=Eligibility.choices, default=Eligibility.EVERYONE)
    spend_threshold_fen = models.PositiveBigIntegerField("自动成为分销员的累计消费（分）", default=0)
    binding_scope = models.CharField(
        "可被绑定的会员", max_length=12, choices=BindingScope.choices, default=BindingScope.NO_REFERRER
    )
    binding_validity = models.CharField(
        "绑定有效期", max_length=10, choices=BindingValidity.choices, default=BindingValidity.PERMANENT
    )
    binding_days = models.PositiveIntegerField(
        "绑定有效天数", default=30, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    protection_days = models.PositiveIntegerField(
        "保护期（天）",
        default=0,
        help_text="绑定后这些天内，其他分销员的链接不能抢走该客户",
        validators=[MaxValueValidator(3650)],
    )
    levels = models.PositiveSmallIntegerField(
        "分销层级",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(2)],
        help_text="最多两级：超过三级在国内属于违规传销",
    )
    level1_rate_bp = models.PositiveIntegerField("一级佣金比例（万分比）", default=1000, validators=[MaxValueValidator(10000)])
    level2_rate_bp = models.PositiveIntegerField("二级佣金比例（万分比）", default=500, validators=[MaxValueValidator(10000)])
    self_purchase = models.BooleanField("自购返佣", default=False, help_text="分销员自己下单时，自己拿一级佣金、上级拿二级")
    withdrawal_min_fen = models.PositiveBigIntegerField("单次最低提现（分）", default=100)
    withdrawal_max_fen = models.PositiveBigIntegerField("单次最高提现（分）", default=500000)
    withdrawal_fee_bp = models.PositiveIntegerField(
        "提现手续费（万分比）", default=0, validators=[MaxValueValidator(5000)], help_text="提现到商城余额不收手续费"
    )
    channels = models.JSONField(
        "可用提现方式", default=default_channels, help_text="wechat 微信零钱 / balance 商城余额 / manual 人工打款"
    )
    extra_freeze_days = models.PositiveIntegerField(
        "售后期后额外冻结（天）", default=0, validators=[MaxValueValidator(365)], help_text="订单售后期结束后再过几天佣金才可提现"
    )

    class Meta:
        verbose_name = "分销设置"
        verbose_name_plural = "分销设置"
        constraints = [
            models.CheckConstraint(
                condition=Q(id=1), name="distribution_settings_singleton", violation_error_message="分销设置只有一份"
            ),
            models.CheckConstraint(
                condition=Q(levels__in=[1, 2]), name="distribution_two_levels_at_most", violation_error_message="分销最多两级"
            ),
            models.CheckConstraint(
                condition=Q(level1_rate_bp__lte=10000 - F("level2_rate_bp")),
                name="distribution_rates_within_whole",
                violation_error_message="一级与二级佣金比例之和不能超过 100%",
            ),
        ]

    def __str__(self):
        return "分销设置"

    def clean(self):
        if self.level1_rate_bp + self.level2_rate_bp > 10000:
            raise ValidationError({"level2_rate_bp": "一级与二级佣金比例之和不能超过 100%"})
        if self.withdrawal_max_fen and self.withdrawal_min_fen > self.withdrawal_max_fen:
            raise ValidationError({"withdrawal_max_fen": "最高提现不能低于最低提现"})
        unknown = set(self.channels or []) - set(PayoutChannel.values)
        if unknown or not self.channels:
            raise ValidationError({"channels": "请从 wechat、balance、manual 中选择至少一种"})


class Grade(models.Model):
    """A distributor grade: its own rates, reached by team size and spend."""

    name = models.CharField("名称", max_length=20)
    rank = models.PositiveSmallIntegerField("等级", unique=True, help_text="数字越大等级越高；升级只升不降")
    level1_rate_bp = models.PositiveIntegerField("一级佣金比例（万分比）", validators=[MaxValueValidator(10000)])
    level2_rate_bp = models.PositiveIntegerField("二级佣金比例（万分比）", validators=[MaxValueValidator(10000)])
    min_team_size = models.PositiveIntegerField("团队人数（直推）达到", default=0)
    min_own_spend_fen = models.PositiveBigIntegerField("自购金额（分）达到", default=0)
    min_team_spend_fen = models.PositiveBigIntegerField("团队消费（分）达到", default=0)

    class Meta:
        verbose_name = "分销员等级"
        verbose_name_plural = "分销员等级"
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level1_rate_bp__lte=10000 - F("level2_rate_bp")),
                name="grade_rates_within_whole",
                violation_error_message="一级与二级佣金比例之和不能超过 100%",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.level1_rate_bp + self.level2_rate_bp > 10000:
            raise ValidationError({"level2_rate_bp": "一级与二级佣金比例之和不能超过 100%"})


class DistributorStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    ACTIVE = "active", "分销员"
    REJECTED = "rejected", "申请被拒"
    REVOKED = "revoked", "已取消资格"


class Distributor(models.Model):
    """A member's standing as a sharer. Team size and spend are read live from bindings
    and orders when a grade is checked, so expiries and refunds count at once."""

    member = models.OneToOneField(MEMBER, verbose_name="会员", on_delete=models.CASCADE, related_name="distributor")
    status = models.CharField("状态", max_length=10, choices=DistributorStatus.choices, default=DistributorStatus.ACTIVE)
    grade = models.ForeignKey(
        Grade, verbose_name="等级", null=True, blank=True, on_delete=models.PROTECT, related_name="distributors"
    )
    applied_at = models.DateTimeField("申请时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        MEMBER, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "分销员"
        verbose_name_plural = "分销员"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="distributor_status")]

    def __str__(self):
        return str(self.member)


# Domain events of referral binding (outbox). A shopper came through a sharer's link or
# poster (payload: member_id, code, source): bind them if the rules allow. A binding
# changed (payload: member_id, referrer_id).
REFERRAL_LINK_FOLLOWED = "referral.link_followed"
REFERRAL_BOUND = "referral.bound"


class Referral(models.Model):
    """Who brought a member: their referrer, until when, and since when it is protected."""

    class Source(models.TextChoices):
        LINK = "link", "分享链接"
        POSTER = "poster", "海报二维码"
        QRCODE = "qrcode", "公众号二维码"
        OPERATOR = "operator", "运营调整"

    member = models.OneToOneField(MEMBER, verbose_name="会员", on_delete=models.CASCADE, related_name="referral")
    referrer = models.ForeignKey(MEMBER, verbose_name="推荐人", on_delete=models.PROTECT, related_name="referred")
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.LINK)
    bound_at = models.DateTimeField("绑定时间")
    expires_at = models.DateTimeField("失效时间", null=True, blank=True)
    protected_until = models.DateTimeField("保护期至", null=True, blank=True)

    class Meta:
        verbose_name = "推荐关系"
        verbose_name_plural = "推荐关系"
        ordering = ["-bound_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(member=F("referrer")), name="referral_not_self", violation_error_message="不能绑定自己为推荐人"
            )
        ]

    def __str__(self):
        return f"{self.member} ← {self.referrer}"


class ReferralChange(models.Model):
    """Every binding, rebinding and unbinding, for good (the binding history)."""

    member = models.ForeignKey(MEMBER, verbose_name="会员", on_delete=models.CASCADE, related_name="referral_changes")
    old_referrer = models.ForeignKey(
        MEMBER, verbose_name="原推荐人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    new_referrer = models.ForeignKey(
        MEMBER, verbose_name="新推荐人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField("来源", max_length=10, choices=Referral.Source.choices)
    actor = models.ForeignKey(MEMBER, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "绑定记录"
        verbose_name_plural = "绑定记录"
        ordering = ["-id"]


class OrderReferral(models.Model):
    """The referrer chain of an order, taken when it was created, so later rebinding
    does not change who earns from it."""

    order = models.OneToOneField("mall.Order", on_delete=models.CASCADE, related_name="referral_snapshot")
    level1 = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    level2 = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # When the paid order's commission was worked out, and what came of it ("2 笔佣金",
    # "无推荐人" …): reconciliation proves every paid order got here.
    earned_at = models.DateTimeField("计佣时间", null=True, blank=True)
    earn_outcome = models.CharField("计佣结果", max_length=60, blank=True)


class SkuCommission(models.Model):
    """A fixed commission per unit of an SKU, instead of the rates."""

    sku = models.OneToOneField("mall.SKU", verbose_name="SKU", on_delete=models.CASCADE, related_name="commission")
    level1_fen = models.PositiveIntegerField("一级佣金（分/件）")
    level2_fen = models.PositiveIntegerField("二级佣金（分/件）", default=0)

    class Meta:
        verbose_name = "SKU 固定佣金"
        verbose_name_plural = "SKU 固定佣金"

    def __str__(self):
        return str(self.sku)


class CommissionStatus(models.TextChoices):
    FROZEN = "frozen", "冻结中"
    AVAILABLE = "available", "可提现"
    WITHDRAWN = "withdrawn", "已提现"
    VOID = "void", "已失效"


# Which status may follow which. A partial refund voids part of a frozen commission and
# leaves it frozen; each move is recorded by its ledger row (distribution/services/ledger.py).
COMMISSION_FLOW = StatusFlow(
    {
        CommissionStatus.FROZEN: {CommissionStatus.AVAILABLE, CommissionStatus.VOID},
        CommissionStatus.AVAILABLE: {CommissionStatus.WITHDRAWN},
        CommissionStatus.WITHDRAWN: set(),
        CommissionStatus.VOID: set(),
    }
)


class Commission(models.Model):
    """What one sharer earns from one order line at one level."""

    # Each row is written once and updated once more by settlement, a million at a time:
    # only the indexes the queries need (the unique key covers `line`, the composite one
    # `beneficiary`).
    order = models.ForeignKey("mall.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="commissions")
    line = models.ForeignKey(
        "mall.OrderLine", verbose_name="订单商品", on_delete=models.PROTECT, related_name="commissions", db_index=False
    )
    beneficiary = models.ForeignKey(
        MEMBER, verbose_name="分销员", on_delete=models.PROTECT, related_name="commissions", db_index=False
    )
    level = models.PositiveSmallIntegerField("层级")
    base_fen = models.PositiveBigIntegerField("计佣金额（分）")
    rate_bp = models.PositiveIntegerField("比例（万分比）")  # 0 when a fixed SKU commission applied
    amount_fen = models.PositiveBigIntegerField("佣金（分）")
    voided_fen = models.PositiveBigIntegerField("已失效（分）", default=0)  # refunds void proportionally
    status = models.CharField("状态", max_length=10, choices=CommissionStatus.choices, default=CommissionStatus.FROZEN)
    available_at = models.DateTimeField("可提现时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "佣金"
        verbose_name_plural = "佣金"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "beneficiary", "level"],
                name="commission_once_per_line_level",
                violation_error_message="这笔佣金已存在",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="commission_amount_positive", violation_error_message="佣金金额必须大于 0"
            ),
            models.CheckConstraint(
                condition=Q(voided_fen__lte=F("amount_fen")),
                name="commission_void_within_amount",
                violation_error_message="失效金额不能超过佣金金额",
            ),
            models.CheckConstraint(
                condition=Q(level__in=[1, 2]), name="commission_level_1_or_2", violation_error_message="佣金层级只能是 1 或 2"
            ),
        ]
        indexes = [
            # Settlement walks the frozen ones in id order, batch after batch.
            models.Index(fields=["id"], condition=Q(status="frozen"), name="commission_frozen"),
            models.Index(fields=["beneficiary", "status"], name="commission_beneficiary"),
        ]

    def __str__(self):
        return f"{self.beneficiary} L{self.level} {self.amount_fen}"

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.voided_fen


class Account(models.Model):
    """A sharer's four balances. Moved only together with a LedgerEntry, in one
    transaction, with guarded updates; the reconciliation proves they agree."""

    member = models.OneToOneField(MEMBER, on_delete=models.CASCADE, related_name="commission_account")
    frozen_fen = models.BigIntegerField(default=0)
    available_fen = models.BigIntegerField(default=0)
    withdrawing_fen = models.BigIntegerField(default=0)
    withdrawn_fen = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "佣金账户"
        verbose_name_plural = "佣金账户"
        constraints = [
            models.CheckConstraint(
                condition=Q(frozen_fen__gte=0, available_fen__gte=0, withdrawing_fen__gte=0, withdrawn_fen__gte=0),
                name="account_balances_not_negative",
                violation_error_message="佣金账户余额不能为负数",
            ),
        ]


class LedgerKind(models.TextChoices):
    EARNED = "earned", "佣金入账（冻结）"
    RELEASED = "released", "解冻可提现"
    VOIDED = "voided", "退款失效"
    HELD = "held", "提现申请冻结"
    PAID = "paid", "提现已到账"
    RETURNED = "returned", "提现退回"


class LedgerEntry(models.Model):
    """One movement of commission money between a sharer's balances. Append-only;
    `source_key` names the event it records, once."""

    # Append-only and large: the (member, id) index serves every read; the foreign keys
    # are never searched by (commissions and withdrawals are never deleted).
    member = models.ForeignKey(MEMBER, on_delete=models.PROTECT, related_name="ledger_entries", db_index=False)
    kind = models.CharField("类型", max_length=10, choices=LedgerKind.choices)
    # No database foreign key: settlement writes a million of these rows at once, each
    # naming the commission its own statement has just updated (book() the one its caller
    # holds), and PostgreSQL checks a foreign key row by row, re-proving what the statement
    # has just read: a sixth of the job's time. The ORM still refuses to delete a commission
    # with ledger rows (PROTECT), and a commission gone from under its rows breaks the
    # reconciliation's "accounts equal their commissions".
    commission = models.ForeignKey(
        Commission,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,
        db_constraint=False,
    )
    withdrawal = models.ForeignKey(
        "Withdrawal", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    frozen_delta = models.BigIntegerField(default=0)
    available_delta = models.BigIntegerField(default=0)
    withdrawing_delta = models.BigIntegerField(default=0)
    withdrawn_delta = models.BigIntegerField(default=0)
    source_key = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "佣金流水"
        verbose_name_plural = "佣金流水"
        ordering = ["-id"]
        indexes = [models.Index(fields=["member", "id"], name="ledger_member")]
        # A constraint, not unique=True: PostgreSQL then builds no LIKE index nobody uses.
        constraints = [
            models.UniqueConstraint(fields=["source_key"], name="ledger_source_once", violation_error_message="这笔流水已记账")
        ]


class WithdrawalStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    PAYING = "paying", "打款中"
    PAID = "paid", "已到账"
    REJECTED = "rejected", "已拒绝"
    FAILED = "failed", "打款失败"


# Which status may follow which; each move is also recorded as "withdrawal.<status>".
WITHDRAWAL_FLOW = StatusFlow(
    {
        WithdrawalStatus.PENDING: {WithdrawalStatus.PAYING, WithdrawalStatus.REJECTED},
        WithdrawalStatus.PAYING: {WithdrawalStatus.PAID, WithdrawalStatus.FAILED},
        WithdrawalStatus.PAID: set(),
        WithdrawalStatus.REJECTED: set(),
        WithdrawalStatus.FAILED: set(),
    }
)


class Withdrawal(models.Model):
    member = models.ForeignKey(MEMBER, verbose_name="分销员", on_delete=models.PROTECT, related_name="withdrawals")
    number = models.CharField("提现单号", max_length=32, unique=True)  # WeChat's partner_trade_no: pays once
    amount_fen = models.PositiveBigIntegerField("提现金额（分）")
    fee_fen = models.PositiveBigIntegerField("手续费（分）", default=0)
    channel = models.CharField("提现方式", max_length=10, choices=PayoutChannel.choices)
    status = models.CharField("状态", max_length=10, choices=WithdrawalStatus.choices, default=WithdrawalStatus.PENDING)
    reviewed_by = models.ForeignKey(
        MEMBER, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reject_reason = models.CharField("拒绝原因", max_length=200, blank=True)
    payout_reference = models.CharField("打款凭证", max_length=64, blank=True)
    failure_reason = models.CharField("失败原因", max_length=200, blank=True)
    paid_at = models.DateTimeField("到账时间", null=True, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = "提现"
        verbose_name_plural = "提现"
        ordering = ["-id"]
        permissions = [("approve_withdrawal", "审核提现并打款（同意、拒绝、登记人工打款）")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="withdrawal_amount_positive", violation_error_message="提现金额必须大于 0"
            ),
            models.CheckConstraint(
                condition=Q(fee_fen__lt=F("amount_fen")),
                name="withdrawal_fee_below_amount",
                violation_error_message="手续费必须小于提现金额",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="withdrawal_status")]

    def __str__(self):
        return self.number

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.fee_fen


class DistributionDashboard(Commission):
    """Not data of its own: lets the dashboard sit in the admin's 分销 section."""

    class Meta:
        proxy = True
        verbose_name = "分销看板"
        verbose_name_plural = "分销看板"
