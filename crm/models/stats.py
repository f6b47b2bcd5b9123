from django.conf import settings
from django.db import models


class RfmGroup(models.TextChoices):
    """The named RFM groups: high or low on recency, frequency and money, against the
    middle score (3)."""

    CHAMPION = "champion", "重要价值"
    PROMISING = "promising", "重要发展"
    KEEP = "keep", "重要保持"
    WIN_BACK = "win_back", "重要挽留"
    LOYAL = "loyal", "一般价值"
    NEWCOMER = "newcomer", "新客"
    FADING = "fading", "一般保持"
    DORMANT = "dormant", "沉睡"


class PurchaseStats(models.Model):
    """What a member has bought, kept current from the storefront's events (order paid,
    refunded) so segments and RFM never scan orders. Counted: paid orders not refunded in
    full, each at what was paid less what was refunded."""

    member = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="会员", primary_key=True, on_delete=models.CASCADE,
                                  related_name="purchase_stats")
    order_count = models.PositiveIntegerField("订单数", default=0)
    paid_fen = models.BigIntegerField("累计实付（分）", default=0, help_text="已扣除退款")
    first_paid_at = models.DateTimeField("首次购买", null=True, blank=True)
    last_paid_at = models.DateTimeField("最近购买", null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # RFM, scored nightly over members who bought (1–5 each, quintiles; 0 = not scored yet).
    r_score = models.PositiveSmallIntegerField("R 近度", default=0, db_default=0)
    f_score = models.PositiveSmallIntegerField("F 频度", default=0, db_default=0)
    m_score = models.PositiveSmallIntegerField("M 额度", default=0, db_default=0)
    rfm_group = models.CharField("RFM 分组", max_length=16, choices=RfmGroup.choices, blank=True, db_default="", db_index=True)
    rfm_at = models.DateTimeField("RFM 计算时间", null=True, blank=True)

    class Meta:
        verbose_name = "购买统计"
        verbose_name_plural = "购买统计"
        indexes = [models.Index(fields=["paid_fen"]), models.Index(fields=["order_count"])]


class PurchasedProduct(models.Model):
    """A product a member bought (in a counted order), with its category at the time of
    counting, for "bought skincare" in segments and for recommendations."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("mall.Product", verbose_name="商品", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("mall.Category", verbose_name="分类", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField("件数")
    last_paid_at = models.DateTimeField("最近购买")

    class Meta:
        verbose_name = "购买过的商品"
        verbose_name_plural = "购买过的商品"
        constraints = [models.UniqueConstraint(fields=["member", "product"], name="purchased_product_once", violation_error_message="该会员的这件商品已记录")]
        indexes = [models.Index(fields=["product", "member"]), models.Index(fields=["category", "member"])]
