"""The lucky wheel in the back office: a wheel and its prizes on one page (2–12 slots, each
with its chance, stock and what it gives), the spins (who won what, exported for the
record), and the queue of physical prizes to send."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from campaigns.models import Campaign, Play, PrizeKind, PrizeShipment, ShipmentStatus, Spin, Wheel, WheelPrize
from campaigns.services.wheel import prize_shipment_ship
from config.admin_tools import ReadOnlyAdmin, YuanField, export_csv, export_xlsx, short_time
from config.errors import InvalidStatus
from config.money import format_yuan
from mall.admin.orders import ShipForm
from mall.models import Carrier

MIN_PRIZES, MAX_PRIZES = 2, 12


class WheelPrizeForm(forms.ModelForm):
    balance_fen = YuanField(label="余额红包（元）", required=False, help_text="仅「余额红包」：中奖即存入会员的商城余额")

    class Meta:
        model = WheelPrize
        fields = ["position", "name", "kind", "weight", "stock", "points", "coupon_template", "balance_fen", "image"]

    def clean_balance_fen(self):
        return self.cleaned_data.get("balance_fen") or 0

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        errors = {}
        if data.get("weight") is not None and data["weight"] < 1:
            errors["weight"] = "权重必须大于 0"
        if kind == PrizeKind.POINTS and not data.get("points"):
            errors["points"] = "积分奖品请填写大于 0 的积分数"
        if kind == PrizeKind.COUPON and not data.get("coupon_template"):
            errors["coupon_template"] = "优惠券奖品请选择一个优惠券模板"
        if kind == PrizeKind.RED_PACKET and not data.get("balance_fen"):
            errors["balance_fen"] = "余额红包请填写大于 0 的金额"
        if kind == PrizeKind.NONE and data.get("stock") is not None:
            errors["stock"] = "「谢谢参与」不需要库存，请留空"
        given = self.instance.given if self.instance.pk else 0
        if data.get("stock") is not None and data["stock"] < given:
            errors["stock"] = f"已发出 {given} 份，库存不能少于已发出的数量"
        for field, message in errors.items():
            self.add_error(field, message)
        return data


class WheelPrizeFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [form for form in self.forms if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")]
        if any(form.errors for form in self.forms):
            return
        if not MIN_PRIZES <= len(kept) <= MAX_PRIZES:
            raise forms.ValidationError(f"转盘需要 {MIN_PRIZES}–{MAX_PRIZES} 个奖品格，现在是 {len(kept)} 个")
        if sum(form.cleaned_data.get("kind") == PrizeKind.NONE for form in kept) > 1:
            raise forms.ValidationError("「谢谢参与」格最多一个：奖品抽完时也落在这一格")


class WheelPrizeInline(TabularInline):
    model = WheelPrize
    form = WheelPrizeForm
    formset = WheelPrizeFormSet
    fields = ["position", "name", "kind", "weight", "chance", "stock", "given", "points", "coupon_template", "balance_fen", "image"]
    readonly_fields = ["chance", "given"]
    ordering = ["position", "id"]

    def get_extra(self, request, obj=None, **kwargs):
        return 4 if obj is None else 0

    @admin.display(description="中奖概率")
    def chance(self, prize):
        if not prize.pk:
            return "—"
        total = sum(prize.wheel.prizes.values_list("weight", flat=True))
        return f"{prize.weight * 100 / total:.1f}%" if total else "—"


class WheelForm(forms.ModelForm):
    class Meta:
        model = Wheel
        fields = ["campaign", "cost_points", "spins_per_day", "spins_per_campaign"]
        help_texts = {"campaign": "先在「活动日历」建一个玩法为「大转盘」的活动（时间、规则、上线），再在这里配置转盘和奖品"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "campaign" in self.fields:
            free = Q(wheel__isnull=True) | Q(pk=self.instance.campaign_id) if self.instance.pk else Q(wheel__isnull=True)
            self.fields["campaign"].queryset = Campaign.objects.filter(free, play=Play.WHEEL)

    def clean_spins_per_day(self):
        spins = self.cleaned_data["spins_per_day"]
        if spins < 1:
            raise forms.ValidationError("每人每天至少 1 次")
        return spins

    def clean_spins_per_campaign(self):
        spins = self.cleaned_data.get("spins_per_campaign")
        if spins is not None and spins < 1:
            raise forms.ValidationError("活动期间总次数至少 1 次；留空为不限")
        return spins


@admin.register(Wheel)
class WheelAdmin(ModelAdmin):
    form = WheelForm
    inlines = [WheelPrizeInline]
    list_display = ["title", "state", "when", "cost", "spins_per_day", "spins_per_campaign", "prize_count", "spin_count", "page"]
    list_filter = ["campaign__is_active"]
    search_fields = ["campaign__title"]
    list_select_related = ["campaign"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(prize_total=Count("prizes", distinct=True), spin_total=Count("spins", distinct=True))

    @admin.display(description="活动", ordering="campaign__title")
    def title(self, wheel):
        return wheel.campaign.title

    @admin.display(description="状态")
    def state(self, wheel):
        campaign, now = wheel.campaign, timezone.now()
        if not campaign.is_active:
            return "已下线"
        return "未开始" if now < campaign.starts_at else "已结束" if now >= campaign.ends_at else "进行中"

    @admin.display(description="时间", ordering="campaign__starts_at")
    def when(self, wheel):
        start, end = timezone.localtime(wheel.campaign.starts_at), timezone.localtime(wheel.campaign.ends_at)
        return f"{start:%m-%d %H:%M} – {end:%m-%d %H:%M}"

    @admin.display(description="每次消耗", ordering="cost_points")
    def cost(self, wheel):
        return f"{wheel.cost_points} 积分" if wheel.cost_points else "免费"

    @admin.display(description="奖品格", ordering="prize_total")
    def prize_count(self, wheel):
        return wheel.prize_total

    @admin.display(description="抽奖次数", ordering="spin_total")
    def spin_count(self, wheel):
        url = reverse("admin:campaigns_spin_changelist") + f"?wheel__id__exact={wheel.pk}"
        return format_html('<a href="{}">{}</a>', url, wheel.spin_total)

    @admin.display(description="活动页")
    def page(self, wheel):
        return format_html('<a href="{}" target="_blank" rel="noopener">打开</a>', reverse("campaigns:wheel", args=[wheel.pk]))


# --- Spins: who won what ----------------------------------------------------------------


class WonFilter(admin.SimpleListFilter):
    title = "是否中奖"
    parameter_name = "won"

    def lookups(self, request, model_admin):
        return [("yes", "中奖"), ("no", "谢谢参与")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(prize_kind=PrizeKind.NONE)
        if self.value() == "no":
            return queryset.filter(prize_kind=PrizeKind.NONE)
        return queryset


KIND_LABELS = {PrizeKind.POINTS: "info", PrizeKind.COUPON: "info", PrizeKind.RED_PACKET: "warning", PrizeKind.PHYSICAL: "success"}


def _prize_value(spin) -> str:
    prize = spin.prize
    if prize is None or spin.prize_kind == PrizeKind.NONE:
        return ""
    if spin.prize_kind == PrizeKind.POINTS:
        return f"{prize.points} 积分"
    if spin.prize_kind == PrizeKind.RED_PACKET:
        return f"¥{format_yuan(prize.balance_fen)}"
    if spin.prize_kind == PrizeKind.COUPON:
        return str(prize.coupon_template or "")
    return prize.name


def _shipment(spin):
    return getattr(spin, "shipment", None) if spin.prize_kind == PrizeKind.PHYSICAL else None


@admin.action(description="导出所选中的中奖名单为 CSV")
def export_winners_csv(modeladmin, request, queryset):
    return export_csv(modeladmin, request, queryset.exclude(prize_kind=PrizeKind.NONE))


@admin.action(description="导出所选中的中奖名单为 Excel")
def export_winners_xlsx(modeladmin, request, queryset):
    return export_xlsx(modeladmin, request, queryset.exclude(prize_kind=PrizeKind.NONE))


@admin.register(Spin)
class SpinAdmin(ReadOnlyAdmin):
    """Every spin, read only: filter to the winners (是否中奖 → 中奖) and export them."""

    list_display = ["spun_at", "wheel", "member_link", "result", "value", "cost_points", "shipment_status"]
    list_filter = [WonFilter, "prize_kind", "wheel", "day"]
    date_hierarchy = "created_at"
    search_fields = ["member__nickname", "=member__phone", "prize__name"]
    list_select_related = ["wheel__campaign", "member", "prize__coupon_template", "shipment"]
    list_per_page = 50
    actions = [export_winners_csv, export_winners_xlsx]
    export_fields = [
        ("时间", lambda s: timezone.localtime(s.created_at).strftime("%Y-%m-%d %H:%M:%S")),
        ("活动", lambda s: s.wheel.campaign.title),
        ("会员 ID", "member_id"),
        ("会员", lambda s: s.member.display_name),
        ("手机", "member__phone"),
        ("奖品", lambda s: s.prize.name if s.prize else "谢谢参与"),
        ("类型", lambda s: s.get_prize_kind_display()),
        ("奖品内容", _prize_value),
        ("消耗积分", "cost_points"),
        ("发货状态", lambda s: _shipment(s).get_status_display() if _shipment(s) else ""),
        ("收货人", lambda s: _shipment(s).receiver_name if _shipment(s) else ""),
        ("收货手机", lambda s: _shipment(s).receiver_phone if _shipment(s) else ""),
        ("收货地址", lambda s: _shipment(s).address if _shipment(s) else ""),
    ]

    @admin.display(description="时间", ordering="created_at")
    def spun_at(self, spin):
        return short_time(spin.created_at)

    @admin.display(description="会员", ordering="member__nickname")
    def member_link(self, spin):
        return format_html('<a href="{}">{}</a>', reverse("admin:members_member_change", args=[spin.member_id]), spin.member.display_name)

    @display(description="结果", ordering="prize_kind", label=KIND_LABELS)
    def result(self, spin):
        name = spin.prize.name if spin.prize else "谢谢参与"
        return spin.prize_kind, name

    @admin.display(description="奖品内容")
    def value(self, spin):
        return _prize_value(spin) or "—"

    @admin.display(description="发货")
    def shipment_status(self, spin):
        shipment = _shipment(spin)
        if shipment is None:
            return "—"
        url = reverse("admin:campaigns_prizeshipment_change", args=[shipment.pk])
        return format_html('<a href="{}">{}</a>', url, shipment.get_status_display())


# --- Physical prizes to send ------------------------------------------------------------

SHIPMENT_LABELS = {ShipmentStatus.AWAITING_ADDRESS: "warning", ShipmentStatus.TO_SHIP: "primary", ShipmentStatus.SHIPPED: "success"}


@admin.register(PrizeShipment)
class PrizeShipmentAdmin(ModelAdmin):
    """The fulfilment queue: winners fill in their address on the wheel's page (待填地址 →
    待发货); the operator ships with the carrier and tracking number (→ 已发货)."""

    list_display = ["won_at", "winner", "prize", "wheel", "status_badge", "receiver", "address", "parcel"]
    list_filter = ["status", "spin__wheel", "created_at"]
    search_fields = ["spin__member__nickname", "receiver_name", "receiver_phone", "=tracking_number"]
    list_select_related = ["spin__member", "spin__prize", "spin__wheel__campaign"]
    list_per_page = 50
    actions = ["ship", export_csv, export_xlsx]
    fields = ["winner", "prize", "wheel", "status", "receiver_name", "receiver_phone", "address", "carrier", "tracking_number", "shipped_at", "created_at"]
    readonly_fields = fields
    export_fields = [
        ("中奖时间", lambda s: timezone.localtime(s.created_at).strftime("%Y-%m-%d %H:%M")),
        ("活动", lambda s: s.spin.wheel.campaign.title),
        ("会员", lambda s: s.spin.member.display_name),
        ("奖品", lambda s: s.spin.prize.name if s.spin.prize else ""),
        ("状态", lambda s: s.get_status_display()),
        ("收货人", "receiver_name"),
        ("收货手机", "receiver_phone"),
        ("收货地址", "address"),
        ("快递公司", lambda s: dict(Carrier.choices).get(s.carrier, s.carrier)),
        ("快递单号", "tracking_number"),
    ]

    def has_add_permission(self, request):
        return False  # a shipment comes from a spin

    def has_delete_permission(self, request, obj=None):
        return False  # the record of a prize owed

    @admin.display(description="中奖时间", ordering="created_at")
    def won_at(self, shipment):
        return short_time(shipment.created_at)

    @admin.display(description="中奖会员", ordering="spin__member__nickname")
    def winner(self, shipment):
        return shipment.spin.member.display_name

    @admin.display(description="奖品")
    def prize(self, shipment):
        return shipment.spin.prize.name if shipment.spin.prize else "—"

    @admin.display(description="活动")
    def wheel(self, shipment):
        return shipment.spin.wheel.campaign.title

    @display(description="状态", ordering="status", label=SHIPMENT_LABELS)
    def status_badge(self, shipment):
        return shipment.status, shipment.get_status_display()

    @admin.display(description="收货人")
    def receiver(self, shipment):
        if not shipment.receiver_name:
            return "—"
        return format_html("{}<br><span class='text-xs'>{}</span>", shipment.receiver_name, shipment.receiver_phone)

    @admin.display(description="快递")
    def parcel(self, shipment):
        if not shipment.tracking_number:
            return "—"
        return format_html("{}<br><span class='text-xs'>{}</span>", dict(Carrier.choices).get(shipment.carrier, shipment.carrier), shipment.tracking_number)

    @admin.action(description="发货（填写快递公司与单号）", permissions=["change"])
    def ship(self, request, queryset):
        shipments = list(queryset.filter(status=ShipmentStatus.TO_SHIP).select_related("spin__member", "spin__prize").order_by("id"))
        if not shipments:
            self.message_user(request, "所选奖品中没有待发货的（会员填好地址后才能发货）", messages.WARNING)
            return None
        submitted = "apply" in request.POST
        rows = [(shipment, ShipForm(request.POST if submitted else None, prefix=f"s{shipment.pk}")) for shipment in shipments]
        if submitted and all(form.is_valid() for _, form in rows):
            shipped = 0
            for shipment, form in rows:
                try:
                    prize_shipment_ship(shipment=shipment, **form.cleaned_data)
                except InvalidStatus:
                    continue  # shipped by someone else while the page was open
                shipped += 1
            skipped = len(rows) - shipped
            note = f"，{skipped} 个已被他人处理" if skipped else ""
            self.message_user(request, f"已发货 {shipped} 个奖品{note}", messages.SUCCESS if not skipped else messages.WARNING)
            return HttpResponseRedirect(reverse("admin:campaigns_prizeshipment_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "奖品发货",
            "rows": rows,
            "skipped": queryset.count() - len(shipments),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/campaigns/prizeshipment/ship.html", context)
