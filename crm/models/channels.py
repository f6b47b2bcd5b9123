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
