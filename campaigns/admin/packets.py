"""Red packets in the back office: make a packet for a campaign (checked as the service
checks it: a fen a share at least, WeChat's 1–200 yuan a cash share, an expiry still
ahead, a no-threshold coupon for coupon packets), its shares read-only beside it, what it
brought; the share-packet rules (分享红包), and what each sharer's packets brought."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from campaigns import selectors
from campaigns.models import Campaign, PacketDelivery, PacketShare, PacketStatus, Play, RedPacket, SharePacketSetup
from campaigns.services.packets import red_packet_create, red_packet_problems
from config.admin_tools import YuanField, export_csv, export_xlsx, short_time
from config.money import format_yuan
from mall.models import CouponKind, CouponTemplate

NO_THRESHOLD_AMOUNT = Q(kind=CouponKind.AMOUNT, threshold_fen=0, is_active=True)


class RedPacketForm(forms.ModelForm):
    total_fen = YuanField(label="总金额（元）", min_value=0, max_value=10_000_000,
                          help_text="微信现金红包每份 1–200 元；优惠券红包每份一张券，总金额须是份数的整数倍")

    class Meta:
        model = RedPacket
        fields = ["campaign", "title", "total_fen", "shares", "split", "delivers", "coupon_template", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "campaign" in self.fields:
            self.fields["campaign"].queryset = Campaign.objects.filter(play__in=[Play.RED_PACKET, Play.SHARE_PACKET])
            self.fields["campaign"].required = True
        if "coupon_template" in self.fields:
            self.fields["coupon_template"].queryset = CouponTemplate.objects.filter(NO_THRESHOLD_AMOUNT)
            self.fields["coupon_template"].help_text = "仅优惠券红包：无门槛满减券；面额与每份金额不同时，为这个红包另建一张同规则、面额为每份金额的券"

    def clean(self):
        data = super().clean()
        if any(name in self.errors for name in ("total_fen", "shares", "expires_at")):
            return data
        template = data.get("coupon_template") if data.get("delivers") == PacketDelivery.COUPON else None
        problems = red_packet_problems(
            campaign=data.get("campaign"), total_fen=data.get("total_fen") or 0, shares=data.get("shares") or 0, split=data.get("split"),
            delivers=data.get("delivers"), expires_at=data.get("expires_at"), coupon_template=template,
        )
        for field, messages in problems.items():
            self.add_error(field if field in self.fields else None, messages)
        shares = data.get("shares") or 0
        if not problems and template is not None and template.amount_fen * shares == data["total_fen"] and template.total is not None:
            left = template.total - template.claimed
            if left < shares:
                self.add_error("coupon_template", f"这张券只剩 {left} 张，不够 {shares} 份")
        self.instance.shares_left = shares
        return data


class PacketShareInline(TabularInline):
    model = PacketShare
    fields = ["position", "amount_yuan", "member", "grabbed_at", "delivery_reference"]
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0
    per_page = 50
    hide_title = True
    verbose_name = "份额"
    verbose_name_plural = "份额（创建时已拆好，领取后不可更改）"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")

    @admin.display(description="金额（元）")
    def amount_yuan(self, share):
        return format_yuan(share.amount_fen)


STATUS_LABELS = {PacketStatus.ACTIVE: "success", PacketStatus.EXPIRED: "info"}


@admin.register(RedPacket)
class RedPacketAdmin(ModelAdmin):
    """A packet is fixed once made (its shares are split then): the add page makes one, the
    change page shows it, its shares and what it brought."""

    form = RedPacketForm
    list_before_template = "admin/campaigns/redpacket/list_before.html"
    list_display = ["title", "campaign", "delivers", "total_yuan", "taken", "status_label", "expires", "owner", "brought"]
    list_filter = ["status", "delivers", "split", "campaign"]
    search_fields = ["title", "owner__nickname", "=order__number"]
    list_select_related = ["campaign", "owner"]
    date_hierarchy = "created_at"
    inlines = [PacketShareInline]
    actions = [export_csv, export_xlsx]
    export_fields = [
        ("红包", "title"),
        ("活动", "campaign__title"),
        ("领到的是", lambda p: p.get_delivers_display()),
        ("总金额（元）", lambda p: format_yuan(p.total_fen)),
        ("份数", "shares"),
        ("剩余份数", "shares_left"),
        ("过期退回（元）", lambda p: format_yuan(p.returned_fen)),
        ("状态", lambda p: p.get_status_display()),
        ("过期时间", "expires_at"),
        ("分享人", "owner__nickname"),
    ]
    readonly_after = ["campaign", "title", "total_yuan", "shares", "shares_left", "split", "delivers", "coupon_template", "expires_at",
                      "status", "returned_yuan", "owner", "order", "created_at", "stats"]

    def get_queryset(self, request):
        return selectors.red_packets_with_stats(super().get_queryset(request))

    def get_fields(self, request, obj=None):
        return self.readonly_after if obj else RedPacketForm.Meta.fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_after if obj else []

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # money handed out: history stays

    def change_view(self, request, object_id, form_url="", extra_context=None):
        no_saving = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **no_saving})

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on a made packet changes by hand
        data = form.cleaned_data
        packet = red_packet_create(
            campaign=data["campaign"], title=data["title"], total_fen=data["total_fen"], shares=data["shares"], split=data["split"],
            delivers=data["delivers"], expires_at=data["expires_at"],
            coupon_template=data.get("coupon_template") if data["delivers"] == PacketDelivery.COUPON else None,
        )
        obj.pk, obj.shares_left, obj.coupon_template = packet.pk, packet.shares_left, packet.coupon_template

    def save_related(self, request, form, formsets, change):
        """Nothing to save: red_packet_create wrote the shares with the packet, and the add form has no related fields."""

    @admin.display(description="总金额（元）", ordering="total_fen")
    def total_yuan(self, packet):
        return format_yuan(packet.total_fen)

    @admin.display(description="已领 / 份数")
    def taken(self, packet):
        taken = f"{packet.shares - packet.shares_left}/{packet.shares}"
        return f"{taken}，退回 ¥{format_yuan(packet.returned_fen)}" if packet.status == PacketStatus.EXPIRED else taken

    @admin.display(description="过期退回（元）", ordering="returned_fen")
    def returned_yuan(self, packet):
        return format_yuan(packet.returned_fen) if packet.status == PacketStatus.EXPIRED else "—"

    @display(description="状态", ordering="status", label=STATUS_LABELS)
    def status_label(self, packet):
        return packet.status, packet.get_status_display()

    @admin.display(description="过期时间", ordering="expires_at")
    def expires(self, packet):
        return short_time(packet.expires_at)

    @admin.display(description="新会员 / 用券订单", ordering="new_members")
    def brought(self, packet):
        return f"{packet.new_members} / {packet.orders}"

    @admin.display(description="效果")
    def stats(self, packet):
        rows = selectors.red_packets_with_stats(RedPacket.objects.filter(pk=packet.pk)).values("claims", "new_members", "orders").get()
        grabbed = packet.total_fen - sum(packet.share_set.filter(member__isnull=True).values_list("amount_fen", flat=True))
        return format_html(
            "领取 {} 人（其中新会员 {} 人），已领 ¥{}，用券订单 {} 笔", rows["claims"], rows["new_members"], format_yuan(grabbed), rows["orders"],
        )

    def get_urls(self):
        return [path("sharers/", self.admin_site.admin_view(self.sharers_view), name="campaigns_redpacket_sharers"), *super().get_urls()]

    def sharers_view(self, request):
        """分享红包: what each buyer's packets brought, most claims first."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        campaign = Campaign.objects.filter(pk=request.GET.get("campaign", "")).first() if request.GET.get("campaign", "").isdigit() else None
        context = {
            **self.admin_site.each_context(request),
            "title": "分享红包 · 分享人效果",
            "opts": self.model._meta,
            "campaign": campaign,
            "campaigns": Campaign.objects.filter(play=Play.SHARE_PACKET).order_by("-starts_at"),
            "sharers": selectors.share_packet_sharers(campaign=campaign),
            "changelist_url": reverse("admin:campaigns_redpacket_changelist"),
        }
        return TemplateResponse(request, "admin/campaigns/share_packet_sharers.html", context)


class SharePacketSetupForm(forms.ModelForm):
    min_order_fen = YuanField(label="订单满（元）", help_text="实付（含余额抵扣）达到多少才送；0 为每单都送")

    class Meta:
        model = SharePacketSetup
        fields = ["campaign", "coupon_template", "shares", "min_order_fen", "valid_hours"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(play=Play.SHARE_PACKET)
        self.fields["coupon_template"].queryset = CouponTemplate.objects.filter(NO_THRESHOLD_AMOUNT)
        self.fields["coupon_template"].help_text = "无门槛满减券：每位好友领一张"

    def clean(self):
        data = super().clean()
        if data.get("shares") is not None and not 1 <= data["shares"] <= 100:
            self.add_error("shares", "每单份数须在 1 到 100 之间")
        if data.get("valid_hours") is not None and data["valid_hours"] < 1:
            self.add_error("valid_hours", "有效时间至少 1 小时")
        return data


@admin.register(SharePacketSetup)
class SharePacketSetupAdmin(ModelAdmin):
    """分享红包: a paid order worth at least the minimum gives its buyer a packet of this
    coupon to pass on, one coupon a friend."""

    form = SharePacketSetupForm
    list_display = ["campaign", "coupon_template", "shares", "min_order_yuan", "valid_hours", "packets_given", "sharers_link"]
    list_select_related = ["campaign", "coupon_template"]

    @admin.display(description="订单满（元）", ordering="min_order_fen")
    def min_order_yuan(self, setup):
        return format_yuan(setup.min_order_fen)

    @admin.display(description="已送出红包")
    def packets_given(self, setup):
        return RedPacket.objects.filter(campaign_id=setup.campaign_id, order__isnull=False).count()

    @admin.display(description="分享人效果")
    def sharers_link(self, setup):
        return format_html('<a href="{}?campaign={}">查看</a>', reverse("admin:campaigns_redpacket_sharers"), setup.campaign_id)

