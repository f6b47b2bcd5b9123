from django.conf import settings
from django.db import models
from django.utils import timezone

from members.models import Member


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
    # An inbound message's time is when the official account received it, not when the
    # inbox got round to it: WeChat's 48-hour reply window counts from there.
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    # Set once, by the first follow-up after it: that follow-up's response time is measured
    # from the oldest message it answered, and no later follow-up measures from it again.
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        verbose_name = "客服消息"
        verbose_name_plural = "客服消息"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["member", "created_at"]),
            models.Index(fields=["member"], condition=models.Q(direction="in", answered_at__isnull=True), name="inbox_unanswered"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(direction="out") | models.Q(operator__isnull=True), name="inbox_inbound_has_no_operator",
                violation_error_message="会员发来的消息没有客服",
            ),
        ]

    def __str__(self):
        return f"{self.get_direction_display()} {self.content[:20]}"


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
        indexes = [models.Index(fields=["member", "-created_at"], name="follow_up_member_latest")]

    def __str__(self):
        return f"{self.get_channel_display()} {self.note[:20]}"


class Conversation(Member):
    """The customer-service inbox: a member seen as their conversation with the official
    account (one row per member who wrote), with its own permissions — reading it, and
    replying (change)."""

    class Meta:
        proxy = True
        verbose_name = "客服会话"
        verbose_name_plural = "客服收件箱"
        default_permissions = ("view", "change")
