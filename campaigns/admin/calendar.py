"""The campaign calendar: every campaign with its type, goal and dates, a month view of
bars with the gaps between important campaigns, the month's type mix against the
two-thirds-theme guideline, a warning when a campaign leaves a gap, and each campaign's
participation and what it brought."""

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from campaigns import selectors
from campaigns.models import Campaign, FollowGift, GiftGrant, Invitation, ReferralGift
from config.admin_tools import ReadOnlyAdmin
from config.money import format_yuan
from wechat.qrcodes import QrcodeError, create_scene_qrcode

MAX_STEPS = 3


class StepsField(forms.CharField):
    """The rules a shopper reads, one step a line, three at most."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": "每天来签到\n连签 7 天送优惠券\n积分可兑换抽奖"})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def clean(self, value):
        steps = [line.strip() for line in (super().clean(value) or "").splitlines() if line.strip()]
        if len(steps) > MAX_STEPS:
            raise forms.ValidationError(f"规则最多 {MAX_STEPS} 步：一眼看懂才有人参与")
        if any(len(step) > 40 for step in steps):
            raise forms.ValidationError("每步不超过 40 个字")
        return steps


class CampaignForm(forms.ModelForm):
    rules = StepsField(label="规则（最多 3 步）", required=False, help_text="每行一步，会员在活动页看到")
    # All members, or a group another app offers (the CRM's segments), read when the form is shown.
    audience = forms.ChoiceField(label="参与对象", choices=selectors.audience_choices, initial="all",
                                 help_text="选择分群后，不在分群里的会员参与时会被告知「仅限部分会员」")

    class Meta:
        model = Campaign
        fields = "__all__"


def _percent(fraction) -> str:
    return "—" if fraction is None else f"{float(fraction) * 100:.1f}%"


@admin.register(Campaign)
class CampaignAdmin(ModelAdmin):
    form = CampaignForm
    list_before_template = "admin/campaigns/campaign/list_before.html"  # the way to the month view (calendar_url)
    list_display = ["title", "play", "type", "goal", "is_important", "when", "state", "participants", "rate"]
    list_filter = ["play", "type", "goal", "is_important", "is_active"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["coupon_templates"]
    readonly_fields = ["stats"]
    fieldsets = [
        (None, {"fields": ["title", "play", "type", "goal", "is_important", "audience"]}),
        ("时间", {"fields": ["starts_at", "ends_at", "is_active"]}),
        ("页面", {"fields": ["rules", "banner", "coupon_templates"]}),
        ("效果", {"fields": ["stats"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(participant_count=Count("participations", distinct=True))

    def changelist_view(self, request, extra_context=None):
        self._audiences = {}  # each audience counted once per page, on first use
        extra_context = {**(extra_context or {}), "calendar_url": reverse("admin:campaigns_campaign_calendar")}
        return super().changelist_view(request, extra_context)

    @admin.display(description="时间", ordering="starts_at")
    def when(self, campaign):
        start, end = timezone.localtime(campaign.starts_at), timezone.localtime(campaign.ends_at)
        return f"{start:%m-%d %H:%M} – {end:%m-%d %H:%M}"

    @admin.display(description="状态")
    def state(self, campaign):
        now = timezone.now()
        if not campaign.is_active:
            return "已下线"
        return "未开始" if now < campaign.starts_at else "已结束" if now >= campaign.ends_at else "进行中"

    @admin.display(description="参与人数", ordering="participant_count")
    def participants(self, campaign):
        return campaign.participant_count

    @admin.display(description="参与率（好活动 ≥ 20%）")
    def rate(self, campaign):
        audiences = getattr(self, "_audiences", {})
        if campaign.audience not in audiences:
            audiences[campaign.audience] = selectors.audience_size(campaign=campaign)
        if not audiences[campaign.audience]:
            return "—"
        share = campaign.participant_count / audiences[campaign.audience]
        colour = "#07a35a" if share >= float(selectors.GOOD_PARTICIPATION) else "#86909c"
        return format_html('<span style="color:{}">{}</span>', colour, f"{share * 100:.1f}%")

    @admin.display(description="活动效果")
    def stats(self, campaign):
        if not campaign.pk:
            return "保存后显示"
        stats = selectors.campaign_stats(campaign=campaign)
        verdict = "达到" if stats.is_good else "未达到"
        return format_html(
            "参与 {} 人 / 目标会员 {} 人，参与率 {}（{} 20% 的好活动线）<br>发出奖品 {} 份，送出余额与现金 ¥{}，优惠券抵扣 ¥{}，"
            "合计成本 ¥{}<br>带来订单 {} 笔，销售额 ¥{}",
            stats.participants, stats.audience, _percent(stats.participation), verdict, stats.prizes_given,
            format_yuan(stats.money_given_fen), format_yuan(stats.discount_fen), format_yuan(stats.cost_fen), stats.orders,
            format_yuan(stats.sales_fen),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for warning in selectors.gaps_beside(campaign=obj):
            self.message_user(request, f"注意：{warning}，重点活动之间最好首尾相接。", messages.WARNING)

    def get_urls(self):
        return [path("calendar/", self.admin_site.admin_view(self.calendar_view), name="campaigns_campaign_calendar"), *super().get_urls()]

    def calendar_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        month = _month_param(request.GET.get("month", ""))
        calendar = selectors.calendar_month(year=month.year, month=month.month)
        previous = date(month.year - (month.month == 1), 12 if month.month == 1 else month.month - 1, 1)
        following = date(month.year + (month.month == 12), 1 if month.month == 12 else month.month + 1, 1)
        context = {
            **self.admin_site.each_context(request),
            "title": f"活动日历 · {month.year} 年 {month.month} 月",
            "opts": self.model._meta,
            "calendar": calendar,
            "types": Campaign._meta.get_field("type").choices,
            "theme_share": _percent(calendar.theme_share),
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}",
        }
        return TemplateResponse(request, "admin/campaigns/calendar.html", context)


def _month_param(value: str) -> date:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        today = timezone.localdate()
        return date(today.year, today.month, 1)


@admin.register(FollowGift)
class FollowGiftAdmin(ModelAdmin):
    list_display = ["campaign", "reward", "has_qr"]
    raw_id_fields = ["campaign", "reward"]
    readonly_fields = ["qr_ticket", "qr_image_url"]
    actions = ["make_qrcodes"]

    @admin.display(description="二维码", boolean=True)
    def has_qr(self, gift):
        return bool(gift.qr_image_url)

    @admin.action(description="生成关注二维码", permissions=["change"])
    def make_qrcodes(self, request, queryset):
        for gift in queryset:
            try:
                qr = create_scene_qrcode(gift.scene)
            except QrcodeError as exc:
                self.message_user(request, f"「{gift.campaign}」生成失败：{exc}", messages.ERROR)
                continue
            FollowGift.objects.filter(pk=gift.pk).update(qr_ticket=qr.ticket, qr_image_url=qr.image_url)
        self.message_user(request, "已生成；扫码关注即得奖励，每人一次", messages.SUCCESS)


@admin.register(ReferralGift)
class ReferralGiftAdmin(ModelAdmin):
    list_display = ["campaign", "inviter_reward", "invitee_reward"]
    raw_id_fields = ["campaign", "inviter_reward", "invitee_reward"]


@admin.register(GiftGrant)
class GiftGrantAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "campaign", "member", "reason"]
    list_filter = ["campaign", "created_at"]
    search_fields = ["member__nickname", "=member__phone"]
    list_select_related = ["campaign", "member"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "inviter", "invitee"]
    search_fields = ["inviter__nickname", "invitee__nickname"]
    list_select_related = ["inviter", "invitee"]
