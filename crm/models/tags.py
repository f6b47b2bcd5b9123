from django.conf import settings
from django.db import models


class Tag(models.Model):
    """A label on members: put on by hand (bulk actions on the member list), or kept equal
    to a segment by a scheduled job (rule-based)."""

    class Kind(models.TextChoices):
        MANUAL = "manual", "手动"
        RULE = "rule", "按分群自动"

    name = models.CharField("名称", max_length=30, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    segment = models.ForeignKey("crm.Segment", verbose_name="规则分群", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="tags", help_text="自动标签：定时任务让打上此标签的会员与该分群一致")
    synced_at = models.DateTimeField("最近同步", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "标签"
        verbose_name_plural = "标签"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="manual", segment__isnull=True) | models.Q(kind="rule", segment__isnull=False),
                name="tag_rule_has_segment", violation_error_message="自动标签需要选择分群，手动标签不能选择分群",
            ),
        ]

    def __str__(self):
        return self.name


class MemberTag(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.CASCADE, related_name="member_tags")
    tag = models.ForeignKey(Tag, verbose_name="标签", on_delete=models.CASCADE, related_name="member_tags")
    added_at = models.DateTimeField("打标时间", auto_now_add=True)

    class Meta:
        verbose_name = "会员标签"
        verbose_name_plural = "会员标签"
        constraints = [models.UniqueConstraint(fields=["tag", "member"], name="member_tag_once", violation_error_message="该会员已有这个标签")]
        indexes = [models.Index(fields=["member", "tag"])]
