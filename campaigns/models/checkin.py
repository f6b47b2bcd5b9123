from django.conf import settings
from django.db import models
from django.db.models import Q

from campaigns.models.calendar import Campaign, Reward


class StreakCycle(models.TextChoices):
    NONE = "none", "不重置"
    WEEK = "week", "每周一重新计"
    MONTH = "month", "每月 1 日重新计"


class MilestoneMode(models.TextChoices):
    ADD = "add", "与当日奖励叠加"
    REPLACE = "replace", "替代当日奖励"


class CheckinSetup(models.Model):
    """A check-in campaign's rules: the daily reward, streak milestones, and make-up days."""

    campaign = models.OneToOneField(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="checkin")
    daily_reward = models.ForeignKey(Reward, verbose_name="每日奖励", on_delete=models.PROTECT, related_name="+")
    cycle = models.CharField("连签周期", max_length=8, choices=StreakCycle.choices, default=StreakCycle.NONE)
    milestone_mode = models.CharField("里程碑奖励", max_length=8, choices=MilestoneMode.choices, default=MilestoneMode.ADD)
    makeup_cost_points = models.PositiveIntegerField("补签消耗积分", default=0, help_text="0 为不开放补签")
    makeup_per_month = models.PositiveSmallIntegerField("每月最多补签", default=2)

    class Meta:
        verbose_name = "签到规则"
        verbose_name_plural = "签到规则"

    def __str__(self):
        return f"{self.campaign} 的签到规则"


class CheckinMilestone(models.Model):
    """A streak worth a reward of its own (7 days in a row: a coupon)."""

    setup = models.ForeignKey(CheckinSetup, verbose_name="签到规则", on_delete=models.CASCADE, related_name="milestones")
    streak_days = models.PositiveSmallIntegerField("连续签到天数")
    reward = models.ForeignKey(Reward, verbose_name="奖励", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "连签奖励"
        verbose_name_plural = "连签奖励"
        ordering = ["streak_days"]
        constraints = [
            models.UniqueConstraint(fields=["setup", "streak_days"], name="milestone_once_per_streak", violation_error_message="这个连签天数已设置过奖励"),
            models.CheckConstraint(condition=Q(streak_days__gte=2), name="milestone_at_least_two_days", violation_error_message="连签奖励至少 2 天"),
        ]


class Checkin(models.Model):
    """A member checked in for a day (Asia/Shanghai). The unique key is what makes it once
    a day, however many taps arrive at once; rewards follow only the inserted row."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.PROTECT, related_name="checkins")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.PROTECT, related_name="checkins")
    day = models.DateField("日期")
    streak = models.PositiveIntegerField("连续天数")
    is_makeup = models.BooleanField("补签", default=False)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "签到记录"
        verbose_name_plural = "签到记录"
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "day"], name="checkin_once_a_day", violation_error_message="这一天已经签到过"),
            models.CheckConstraint(condition=Q(streak__gte=1), name="checkin_streak_positive", violation_error_message="连续天数至少为 1"),
        ]
        indexes = [models.Index(fields=["campaign", "day"], name="checkin_campaign_day")]
