from django.conf import settings
from django.db import models


class Segment(models.Model):
    """A saved set of rules over members, with AND/OR groups, compiled to one query
    (crm.selectors.segments). `rules` is a group: {"match": "all"|"any", "rules": [rule or group, …]};
    a rule is {"field": …, "op": …, "value": …}."""

    name = models.CharField("名称", max_length=40, unique=True)
    description = models.CharField("说明", max_length=200, blank=True)
    rules = models.JSONField("规则", default=dict)
    member_count = models.PositiveIntegerField("人数", null=True, blank=True, help_text="最近一次计算的人数")
    counted_at = models.DateTimeField("计数时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "会员分群"
        verbose_name_plural = "会员分群"
        ordering = ["-id"]

    def __str__(self):
        return self.name
