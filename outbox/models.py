from django.db import models
from django.utils import timezone


class Event(models.Model):
    """Something that happened (an order was paid), written in the same transaction as
    the change itself, so it exists exactly when the change does."""

    name = models.CharField("事件", max_length=64, db_index=True)
    payload = models.JSONField("内容", default=dict)
    created_at = models.DateTimeField("发生时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "领域事件"
        verbose_name_plural = "领域事件"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.name} #{self.pk}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待投递"
    DONE = "done", "已完成"


class Delivery(models.Model):
    """One subscriber's handling of one event. The unique key is what makes the
    subscriber's effect happen at most once; the sweep makes it happen at least once."""

    event = models.ForeignKey(Event, verbose_name="事件", on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField("订阅者", max_length=100)
    status = models.CharField("状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField("失败次数", default=0)
    next_attempt_at = models.DateTimeField("下次投递", default=timezone.now)
    last_error = models.TextField("最近错误", blank=True)
    delivered_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "事件投递"
        verbose_name_plural = "事件投递"
        ordering = ["-id"]
        permissions = [("retry_delivery", "立即重试卡住的事件投递")]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber"],
                name="delivery_once_per_subscriber",
                violation_error_message="该订阅者已有这条事件的投递",
            )
        ]
        # The sweep's query: what is still pending and due.
        indexes = [models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="delivery_pending_due")]

    def __str__(self):
        return f"{self.subscriber} ← {self.event_id}"
