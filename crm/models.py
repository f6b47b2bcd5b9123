from django.conf import settings
from django.db import models


class Channel(models.Model):
    """Where members come from: a poster's QR code, a store counter, a partner's link.
    Its code is the QR scene (and later the short link), and becomes the source of the
    members it brings."""

    class Kind(models.TextChoices):
        QRCODE = "qrcode", "公众号带参二维码"
        LINK = "link", "推广链接"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=60)
    code = models.SlugField("渠道码", max_length=40, unique=True, help_text="小写英文或数字，如 store_poster")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.QRCODE)
    qr_ticket = models.CharField("二维码 ticket", max_length=128, blank=True)
    qr_url = models.CharField("二维码内容", max_length=200, blank=True)
    qr_image_url = models.URLField("二维码图片", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "渠道"
        verbose_name_plural = "渠道"
        ordering = ["-id"]

    def __str__(self):
        return self.name

    @property
    def scene(self) -> str:
        return f"{CHANNEL_SCENE_PREFIX}{self.code}"


# QR scenes are shared by features: "ch_<code>" is a channel (here), "ref_<referral code>"
# a sharer (distribution).
CHANNEL_SCENE_PREFIX = "ch_"


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

    class Meta:
        verbose_name = "购买统计"
        verbose_name_plural = "购买统计"


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
