from django.conf import settings
from django.db import models


class ShortLink(models.Model):
    """/s/<code>: a tracked link for a channel or a push. A click is recorded, then the
    visitor is sent on to `target` (a path in the shop)."""

    code = models.SlugField("短码", max_length=16, unique=True)
    target = models.CharField("跳转地址", max_length=300, help_text="站内路径，如 /mall/products/12/")
    channel = models.ForeignKey("crm.Channel", verbose_name="渠道", null=True, blank=True, on_delete=models.CASCADE, related_name="links")
    push = models.ForeignKey("crm.Push", verbose_name="推送", null=True, blank=True, on_delete=models.CASCADE, related_name="links")
    click_count = models.PositiveIntegerField("点击数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "短链接"
        verbose_name_plural = "短链接"
        ordering = ["-id"]

    def __str__(self):
        return f"/s/{self.code}"


class LinkClick(models.Model):
    link = models.ForeignKey(ShortLink, verbose_name="短链接", on_delete=models.CASCADE, related_name="clicks")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    clicked_at = models.DateTimeField("点击时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "短链接点击"
        verbose_name_plural = "短链接点击"
        ordering = ["-id"]
        indexes = [models.Index(fields=["link", "member"])]


class TrackedEvent(models.Model):
    """What the store pages report (POST /api/v1/events): page views, shares …, the base of
    "visited" in funnels."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField("事件", max_length=32)
    path = models.CharField("页面", max_length=300, blank=True)
    props = models.JSONField("属性", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "页面事件"
        verbose_name_plural = "页面事件"
        ordering = ["-id"]
        indexes = [models.Index(fields=["member", "created_at"]), models.Index(fields=["name", "created_at"])]
