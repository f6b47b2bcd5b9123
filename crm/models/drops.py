from django.conf import settings
from django.db import models
from django.db.models import Q


class CouponDrop(models.Model):
    """One coupon of a template to every member of a segment, given in batches by a
    background worker walking the members in id order from `cursor`."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "发放中"
        DONE = "done", "已完成"
        STOPPED = "stopped", "已中止"
        CANCELLED = "cancelled", "已取消"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    segment = models.ForeignKey("crm.Segment", verbose_name="目标分群", on_delete=models.PROTECT, related_name="coupon_drops")
    template = models.ForeignKey("mall.CouponTemplate", verbose_name="优惠券", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    targeted = models.PositiveIntegerField("分群人数", help_text="创建时分群的人数")
    granted = models.PositiveIntegerField("已发放", default=0)
    already_had = models.PositiveIntegerField("已领过", default=0, help_text="这次发券之前已发给该会员（重跑时跳过）")
    cursor = models.PositiveBigIntegerField("已发到会员 ID", default=0, help_text="按会员 ID 从小到大发放，这个 ID 及之前的会员已处理")
    last_error = models.CharField("中止原因", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "分群发券"
        verbose_name_plural = "分群发券"
        ordering = ["-id"]
        permissions = [("cancel_coupondrop", "可以取消分群发券")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["queued", "running", "done", "stopped", "cancelled"]), name="coupon_drop_status_known",
                                   violation_error_message="未知的发券状态"),
            models.CheckConstraint(condition=Q(targeted__gte=1), name="coupon_drop_targets_someone",
                                   violation_error_message="目标分群没有会员，不能发券"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running"], finished_at__isnull=True)
                | Q(status__in=["done", "stopped", "cancelled"], finished_at__isnull=False),
                name="coupon_drop_finished_when_over", violation_error_message="发券结束时须记录结束时间，未结束时不能有结束时间",
            ),
            # A double-clicked confirmation must not give the segment the coupon twice.
            models.UniqueConstraint(fields=["segment", "template"], condition=Q(status__in=["queued", "running"]),
                                    name="coupon_drop_one_active", violation_error_message="这个分群正在发放这张优惠券，请等它完成或先取消"),
        ]

    def __str__(self):
        return f"{self.segment} · {self.template}"
