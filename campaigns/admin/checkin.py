"""Daily check-in in the back office: a check-in campaign's rules (the day's reward, the
streak cycle, milestones inline, make-up days), every check-in as a read-only list with
filters and export, and the shared campaign settings (points for shopping).

A reward is typed in place (kind and points, coupon or yuan) rather than picked from a
list of Reward rows: saving a changed reward books a new row, so a reward another campaign
shares is never changed under it."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from unfold.admin import ModelAdmin, TabularInline

from campaigns.models import Campaign, CampaignSettings, Checkin, CheckinMilestone, CheckinSetup, Play, Reward, RewardKind
from config.admin_tools import ReadOnlyAdmin, SettingsAdmin, YuanField, export_csv, export_xlsx, short_time
from mall.models import CouponTemplate


class RewardForm(forms.ModelForm):
    """A ModelForm whose model points at a Reward (`reward_field`), edited as plain fields."""

    reward_field = "reward"

    reward_kind = forms.ChoiceField(label="奖励类型", choices=RewardKind.choices, initial=RewardKind.POINTS)
    reward_points = forms.IntegerField(label="积分", min_value=1, max_value=1_000_000, required=False)
    reward_coupon = forms.ModelChoiceField(label="优惠券", queryset=CouponTemplate.objects.filter(is_active=True), required=False)
    reward_balance_fen = YuanField(label="余额（元）", required=False, max_value=10000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reward = self._current_reward()
        if reward is not None:
            self.initial.update(reward_kind=reward.kind, reward_points=reward.points or None, reward_coupon=reward.coupon_template_id,
                                reward_balance_fen=reward.balance_fen or None)
            self.fields["reward_coupon"].queryset = CouponTemplate.objects.filter(is_active=True) | CouponTemplate.objects.filter(
                pk=reward.coupon_template_id)

    def _current_reward(self) -> Reward | None:
        return getattr(self.instance, self.reward_field) if getattr(self.instance, f"{self.reward_field}_id", None) else None

    def clean(self):
        data = super().clean()
        kind = data.get("reward_kind")
        needed = {RewardKind.POINTS: ("reward_points", "请填写积分数"), RewardKind.COUPON: ("reward_coupon", "请选择优惠券"),
                  RewardKind.BALANCE: ("reward_balance_fen", "请填写余额金额")}.get(kind)
        if needed and not data.get(needed[0]):
            self.add_error(needed[0], needed[1])
        return data

    def _wanted(self) -> dict:
        data, kind = self.cleaned_data, self.cleaned_data["reward_kind"]
        return {
            "kind": kind,
            "points": (data.get("reward_points") or 0) if kind == RewardKind.POINTS else 0,
            "coupon_template": data.get("reward_coupon") if kind == RewardKind.COUPON else None,
            "balance_fen": (data.get("reward_balance_fen") or 0) if kind == RewardKind.BALANCE else 0,
        }

    def save(self, commit=True):
        wanted, current = self._wanted(), self._current_reward()
        if current is None or any(getattr(current, name) != value for name, value in wanted.items()):
            setattr(self.instance, self.reward_field, Reward.objects.create(**wanted))
        return super().save(commit)


class MilestoneForm(RewardForm):
    class Meta:
        model = CheckinMilestone
        fields = ["streak_days"]


class MilestoneInline(TabularInline):
    model = CheckinMilestone
    form = MilestoneForm
    fields = ["streak_days", "reward_kind", "reward_points", "reward_coupon", "reward_balance_fen"]
    extra = 1
    verbose_name = "连签奖励"
    verbose_name_plural = "连签奖励（连续签到满 N 天的额外奖励）"


class CheckinSetupForm(RewardForm):
    reward_field = "daily_reward"

    class Meta:
        model = CheckinSetup
        fields = ["campaign", "cycle", "milestone_mode", "makeup_cost_points", "makeup_per_month"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("reward_kind", "reward_points", "reward_coupon", "reward_balance_fen"):
            self.fields[name].label = f"每日奖励：{self.fields[name].label}"

    def clean_campaign(self):
        campaign = self.cleaned_data["campaign"]
        if campaign.play != Play.CHECKIN:
            raise forms.ValidationError(f"请选择玩法为「{Play.CHECKIN.label}」的活动（「{campaign}」是{campaign.get_play_display()}）")
        return campaign


@admin.register(CheckinSetup)
class CheckinSetupAdmin(ModelAdmin):
    form = CheckinSetupForm
    inlines = [MilestoneInline]
    raw_id_fields = ["campaign"]
    list_display = ["campaign", "daily_reward", "cycle", "milestone_mode", "makeup", "campaign_time", "running"]
    list_filter = ["cycle", "milestone_mode"]
    search_fields = ["campaign__title"]
    list_select_related = ["campaign", "daily_reward__coupon_template"]
    fieldsets = [
        (None, {"fields": ["campaign"], "description": "先在活动日历中建一个玩法为「每日签到」的活动，再在这里填写它的 ID。同一时间只有最新开始的签到活动生效。"}),
        ("每日奖励", {"fields": ["reward_kind", "reward_points", "reward_coupon", "reward_balance_fen"]}),
        ("连签", {"fields": ["cycle", "milestone_mode"], "description": "漏签一天，连签天数从 1 重新计算；还可选择每周一或每月 1 日重新计算。"}),
        ("补签", {"fields": ["makeup_cost_points", "makeup_per_month"], "description": "会员可用积分补签本月活动期间、今天以前漏签的日子；补签得当天的每日奖励并接上连签天数，接上后首次达到的连签奖励也会发放。"}),
    ]

    @admin.display(description="补签")
    def makeup(self, setup):
        return f"{setup.makeup_cost_points} 积分/次，每月 {setup.makeup_per_month} 次" if setup.makeup_cost_points else "不开放"

    @admin.display(description="活动时间", ordering="campaign__starts_at")
    def campaign_time(self, setup):
        start, end = timezone.localtime(setup.campaign.starts_at), timezone.localtime(setup.campaign.ends_at)
        return f"{start:%Y-%m-%d} ~ {end:%Y-%m-%d}"

    @admin.display(description="进行中", boolean=True)
    def running(self, setup):
        campaign, now = setup.campaign, timezone.now()
        return campaign.is_active and campaign.starts_at <= now < campaign.ends_at


class CheckinCampaignFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return [(c.pk, str(c)) for c in Campaign.objects.filter(play=Play.CHECKIN).order_by("-starts_at")]


@admin.register(Checkin)
class CheckinAdmin(ReadOnlyAdmin):
    """Every check-in: read only (rewards were given for it)."""

    list_display = ["day", "member", "campaign", "streak", "is_makeup", "time"]
    list_filter = [("campaign", CheckinCampaignFilter), "is_makeup", "day"]
    search_fields = ["member__nickname", "=member__phone"]
    list_select_related = ["member", "campaign"]
    date_hierarchy = "day"
    actions = [export_csv, export_xlsx]
    export_fields = [
        ("日期", "day"),
        ("会员 ID", "member_id"),
        ("会员", lambda c: c.member.display_name),
        ("活动", "campaign__title"),
        ("连续天数", "streak"),
        ("补签", lambda c: "是" if c.is_makeup else "否"),
        ("时间", lambda c: timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M:%S")),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "campaign")

    @admin.display(description="时间", ordering="created_at")
    def time(self, checkin):
        return short_time(checkin.created_at)


@admin.register(CampaignSettings)
class CampaignSettingsAdmin(SettingsAdmin):
    fieldsets = [("购物积分", {"fields": ["points_per_yuan"], "description": "订单完成时按实付金额送积分（不足 1 元的部分不计）；完成后退款按退款金额比例扣回，已用掉的积分不再扣。"})]
