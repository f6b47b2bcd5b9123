from django.conf import settings
from django.db import models


class InboxMessage(models.Model):
    """The conversation with one member through the official account: what they sent, and
    the customer-service replies operators sent back (WeChat allows those for 48 hours after
    the member's last message)."""

    class Direction(models.TextChoices):
        IN = "in", "会员发来"
        OUT = "out", "客服回复"

    class Status(models.TextChoices):
        RECEIVED = "received", "已收到"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.CASCADE, related_name="inbox_messages")
    direction = models.CharField("方向", max_length=3, choices=Direction.choices)
    content = models.TextField("内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="客服", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dedup_key = models.CharField("去重键", max_length=100, unique=True, null=True, blank=True)
    last_error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "客服消息"
        verbose_name_plural = "客服消息"
        ordering = ["-id"]
        indexes = [models.Index(fields=["member", "created_at"])]


class FollowUp(models.Model):
    """A customer-service follow-up by an operator: how, what was said, and how long the
    member waited for it."""

    class Channel(models.TextChoices):
        WECHAT = "wechat", "公众号客服"
        PHONE = "phone", "电话"
        SMS = "sms", "短信"
        VISIT = "visit", "到店"
        OTHER = "other", "其他"

    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.CASCADE, related_name="follow_ups")
    channel = models.CharField("方式", max_length=10, choices=Channel.choices, default=Channel.WECHAT)
    note = models.TextField("跟进内容")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="客服", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    response_seconds = models.PositiveIntegerField("响应时长（秒）", null=True, blank=True, help_text="会员最近一条未回复消息到本次跟进")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "跟进记录"
        verbose_name_plural = "跟进记录"
        ordering = ["-id"]
