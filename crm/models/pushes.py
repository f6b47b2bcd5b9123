from django.conf import settings
from django.db import models
from solo.models import SingletonModel

# WeChat lets a service account reach one follower with at most 4 mass messages a calendar
# month; no operator setting can go above it.
MONTHLY_PUSH_CEILING = 4


class CrmSettings(SingletonModel):
    weekly_push_cap = models.PositiveSmallIntegerField(
        "每周推送上限", default=2, help_text=f"同一会员每个自然周最多收到的推送条数；每月另有微信的硬上限 {MONTHLY_PUSH_CEILING} 条"
    )
    test_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="测试接收人", blank=True, related_name="+",
        help_text="「发送测试」发给这些会员账号（运营人员先用自己的微信登录一次商城，再在这里选中自己），以及绑定了微信的运营账号",
    )

    class Meta:
        verbose_name = "CRM 设置"
        verbose_name_plural = "CRM 设置"
        constraints = [
            models.CheckConstraint(condition=models.Q(weekly_push_cap__gte=1, weekly_push_cap__lte=MONTHLY_PUSH_CEILING),
                                   name="crm_weekly_cap_in_range", violation_error_message=f"每周上限须在 1 到 {MONTHLY_PUSH_CEILING} 之间"),
        ]

    def __str__(self):
        return "CRM 设置"


class Push(models.Model):
    """A news message (title, cover, summary, a tracked link) to a segment at a send time."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SCHEDULED = "scheduled", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        CANCELLED = "cancelled", "已取消"

    title = models.CharField("标题", max_length=64)
    cover_url = models.CharField("封面图", max_length=500, blank=True)
    summary = models.CharField("摘要", max_length=120, blank=True)
    target = models.CharField("跳转地址", max_length=300, help_text="站内路径，如 /mall/products/12/；发送时换成带追踪的短链接")
    segment = models.ForeignKey("crm.Segment", verbose_name="目标分群", on_delete=models.PROTECT, related_name="pushes")
    send_at = models.DateTimeField("发送时间")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    targeted_count = models.PositiveIntegerField("分群人数", default=0)
    capped_count = models.PositiveIntegerField("因频控跳过", default=0)
    queued_count = models.PositiveIntegerField("待发", default=0)
    delivered_count = models.PositiveIntegerField("已送达", default=0)
    failed_count = models.PositiveIntegerField("失败", default=0)
    test_sent_at = models.DateTimeField("测试发送时间", null=True, blank=True, help_text="确认发送须在最后一次修改之后测试发送过")
    media_id = models.CharField("图文素材 media_id", max_length=128, blank=True, help_text="开始发送时上传一次，各批次共用")
    thumb_media_id = models.CharField(
        "封面缩略图 media_id", max_length=128, blank=True, help_text="封面压成 64 KB 内的 JPEG 上传一次（微信保留三天），测试发送与各批次共用"
    )
    started_at = models.DateTimeField("开始发送", null=True, blank=True)
    finished_at = models.DateTimeField("发送完成", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "定向推送"
        verbose_name_plural = "定向推送"
        ordering = ["-id"]

    def __str__(self):
        return self.title


class PushRecipient(models.Model):
    """One member a push goes to; its week and month (Asia/Shanghai calendar) are what the
    frequency cap counts."""

    class Status(models.TextChoices):
        QUEUED = "queued", "待发"
        SENT = "sent", "已送达"
        FAILED = "failed", "失败"

    push = models.ForeignKey(Push, verbose_name="推送", on_delete=models.CASCADE, related_name="recipients")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.CASCADE, related_name="+")
    openid = models.CharField("openid", max_length=64)
    week = models.DateField("所在周（周一）")
    month = models.DateField("所在月（1 日）")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    retry_at = models.DateTimeField("下次重试", null=True, blank=True, help_text="发送失败后到这个时间才再试（退避）")
    sent_at = models.DateTimeField("送达时间", null=True, blank=True)
    opened_at = models.DateTimeField("打开时间", null=True, blank=True)
    visited_at = models.DateTimeField("访问商城", null=True, blank=True)
    ordered_at = models.DateTimeField("下单时间", null=True, blank=True)

    class Meta:
        verbose_name = "推送对象"
        verbose_name_plural = "推送对象"
        constraints = [models.UniqueConstraint(fields=["push", "member"], name="push_recipient_once", violation_error_message="该会员已在这条推送的名单里")]
        indexes = [
            models.Index(fields=["member", "month"]), models.Index(fields=["push", "status"]),
            # The enqueue counts every member's pushes of one month and of one week at once.
            models.Index(fields=["month", "member"], name="crm_push_cap_month"),
            models.Index(fields=["week", "member"], name="crm_push_cap_week"),
        ]
