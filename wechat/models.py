from django.conf import settings
from django.db import models
from solo.models import SingletonModel


class TemplateMessage(models.Model):
    """Outbox of service (template) messages: one row per message the shop decided to
    send, unique per `dedup_key`, so an event handled twice sends once."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    dedup_key = models.CharField("去重键", max_length=100, unique=True)
    openid = models.CharField(max_length=64)
    template_id = models.CharField("模板 ID", max_length=64)
    url = models.CharField("跳转链接", max_length=500, blank=True)
    data = models.JSONField("内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    msgid = models.CharField("微信消息 ID", max_length=32, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "服务消息"
        verbose_name_plural = "服务消息"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="template_message_status")]

    def __str__(self):
        return self.dedup_key


# The domain event (outbox) for each message or event the official account receives;
# payload: openid, kind ("subscribe", "unsubscribe", "scan", "text", …), scene (the QR
# scene without WeChat's "qrscene_" prefix, or "") and content (text messages).
ACCOUNT_EVENT = "wechat.account_event"


class AccountEvent(models.Model):
    """Everything the official account's server URL received: follows, scans, texts.
    WeChat retries a callback it thinks failed, so each message is kept once."""

    dedup_key = models.CharField(max_length=100, unique=True)
    openid = models.CharField(max_length=64, db_index=True)
    kind = models.CharField("类型", max_length=32)  # subscribe, unsubscribe, scan, text, …
    scene = models.CharField("场景值", max_length=64, blank=True)
    content = models.TextField("内容", blank=True)
    raw = models.TextField("原始消息")
    received_at = models.DateTimeField("收到时间", auto_now_add=True)

    class Meta:
        verbose_name = "公众号消息与事件"
        verbose_name_plural = "公众号消息与事件"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.kind} {self.openid}"


class AccountSettings(SingletonModel):
    """The official account's own words, edited in the admin."""

    welcome_text = models.TextField(
        "关注回复", max_length=600, blank=True,
        default="欢迎关注！好物每日上新，点这里进入商城：{url}",
        help_text="有人关注公众号时自动回复的文字；{url} 会换成商城首页链接。留空则不回复。",
    )

    class Meta:
        verbose_name = "公众号设置"
        verbose_name_plural = "公众号设置"

    def __str__(self):
        return "公众号设置"

    def welcome(self) -> str:
        return self.welcome_text.replace("{url}", f"{settings.SITE_URL}/")
