from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from config.admin_tools import short_time
from config.errors import InvalidStatus
from config.money import format_yuan
from mall.admin.exports import exports_prefetching, spec_text
from mall.models import ActorKind, Carrier, Order, OrderEvent, OrderLine, OrderStatus, Payment, Refund
from mall.services.fulfilment import order_ship
from mall.services.orders import order_cancel

STATUS_LABELS = {
    OrderStatus.PENDING_PAYMENT: "warning",
    OrderStatus.PAID: "primary",
    OrderStatus.SHIPPED: "info",
    OrderStatus.COMPLETED: "success",
    OrderStatus.REFUNDING: "danger",
}


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["title", "spec_label", "sku", "price", "quantity", "paid"]
    readonly_fields = fields

    @admin.display(description="单价（元）")
    def price(self, line):
        return format_yuan(line.price_fen)

    @admin.display(description="实付（元）")
    def paid(self, line):
        return format_yuan(line.pay_fen)

    @admin.display(description="规格")
    def spec_label(self, line):
        return line.spec_label or "—"


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["created_at", "from_status", "to_status", "actor_kind", "actor", "reason"]
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["out_trade_no", "state", "amount", "transaction_id", "paid_at", "arrived_after_cancel"]
    readonly_fields = fields

    @admin.display(description="金额（元）")
    def amount(self, payment):
        return format_yuan(payment.amount_fen)


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["out_refund_no", "amount", "reason", "status", "created_at", "reviewed_by", "refunded_at"]
    readonly_fields = fields

    @admin.display(description="金额（元）")
    def amount(self, refund):
        return format_yuan(refund.amount_fen)


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label="快递公司", choices=Carrier.choices, widget=UnfoldAdminSelectWidget)
    tracking_number = forms.RegexField(
        label="快递单号", regex=r"^[A-Za-z0-9-]{6,40}$", error_messages={"invalid": "快递单号为 6–40 位字母、数字或 -"},
        widget=UnfoldAdminTextInputWidget,
    )


class OperatorNoteFilter(admin.SimpleListFilter):
    title = "商家备注"
    parameter_name = "noted"

    def lookups(self, request, model_admin):
        return [("yes", "有备注"), ("no", "无备注")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(operator_note="")
        if self.value() == "no":
            return queryset.filter(operator_note="")
        return queryset


def ship_page(modeladmin, request, orders, *, post_url: str):
    """One form per paid order. Nothing ships until every row is valid."""
    submitted = "apply" in request.POST
    rows = [(order, ShipForm(request.POST if submitted else None, prefix=f"o{order.pk}")) for order in orders]
    if submitted and all(form.is_valid() for _, form in rows):
        shipped = 0
        for order, form in rows:
            try:
                order_ship(order=order, by=request.user, **form.cleaned_data)
            except InvalidStatus:
                continue  # refunded or cancelled while the page was open: counted as skipped below
            shipped += 1
        skipped = len(rows) - shipped
        note = f"，{skipped} 个订单状态已变化，未发货" if skipped else ""
        modeladmin.message_user(request, f"已发货 {shipped} 个订单{note}", messages.SUCCESS if not skipped else messages.WARNING)
        return HttpResponseRedirect(reverse("admin:mall_order_changelist"))
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "订单发货",
        "rows": rows,
        "post_url": post_url,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/mall/order/ship.html", context)


@admin.register(Order)
class OrderAdmin(ModelAdmin):
    # Narrow enough for a 1280 px screen: who, what state, how much, where to, when.
    list_display = ["number", "member_link", "status_badge", "pay_yuan", "receiver", "placed_at", "note_preview", "ship_link"]
    list_filter = ["status", OperatorNoteFilter, "created_at", "paid_at"]
    date_hierarchy = "created_at"
    # number without "=": operators read out the tail of a number (the last 6 digits) as often as all of it.
    search_fields = ["number", "=tracking_number", "receiver_phone", "receiver_name", "member__nickname", "member__phone"]
    search_help_text = "订单号（或后 6 位）、快递单号、收货人姓名或手机、会员昵称"
    list_select_related = ["member"]
    list_per_page = 50
    inlines = [OrderLineInline, PaymentInline, RefundInline, OrderEventInline]
    actions = ["ship_orders", "cancel_orders", *exports_prefetching(Prefetch("lines", OrderLine.objects.select_related("sku")))]
    readonly_fields = [
        "number", "member", "status", "goods_yuan", "shipping_yuan", "discount_yuan", "balance_yuan", "pay_yuan",
        "receiver_name", "receiver_phone", "province", "city", "district", "address_detail", "note",
        "carrier", "tracking_number", "refunded_yuan",
        "created_at", "expires_at", "paid_at", "shipped_at", "completed_at", "after_sales_deadline", "cancelled_at",
    ]
    fieldsets = [
        ("订单", {"fields": ["number", "member", "status", "note", "operator_note"]}),
        ("金额（元）", {"fields": ["goods_yuan", "shipping_yuan", "discount_yuan", "balance_yuan", "pay_yuan", "refunded_yuan"]}),
        ("收货信息", {"fields": ["receiver_name", "receiver_phone", "province", "city", "district", "address_detail"]}),
        ("物流", {"fields": ["carrier", "tracking_number"]}),
        ("时间", {"fields": ["created_at", "expires_at", "paid_at", "shipped_at", "completed_at", "after_sales_deadline", "cancelled_at"]}),
    ]
    export_fields = [
        ("订单号", "number"),
        ("状态", lambda o: o.get_status_display()),
        ("会员", lambda o: o.member.display_name),
        ("商品金额（元）", lambda o: format_yuan(o.goods_fen)),
        ("运费（元）", lambda o: format_yuan(o.shipping_fen)),
        ("优惠（元）", lambda o: format_yuan(o.discount_fen)),
        ("余额抵扣（元）", lambda o: format_yuan(o.balance_fen)),
        ("微信支付（元）", lambda o: format_yuan(o.pay_fen)),
        ("已退款（元）", lambda o: format_yuan(o.refunded_fen)),
        ("快递公司", lambda o: o.get_carrier_display()),
        ("快递单号", "tracking_number"),
        ("收货人", "receiver_name"),
        ("手机", "receiver_phone"),
        ("地址", "full_address"),
        ("留言", "note"),
        ("下单时间", "created_at"),
        ("支付时间", "paid_at"),
    ]
    # One row per item, the order's columns repeated: what a warehouse picks from and finance reconciles.
    export_lines = ("lines", [
        ("货号", "sku__code"),
        ("商品", "title"),
        ("规格", lambda line: spec_text(line.spec)),
        ("数量", "quantity"),
        ("单价（元）", lambda line: format_yuan(line.price_fen)),
    ])

    def has_add_permission(self, request):
        return False  # orders come from shoppers

    def has_delete_permission(self, request, obj=None):
        return False  # orders are money history

    @admin.display(description="会员", ordering="member__nickname")
    def member_link(self, order):
        url = reverse("admin:members_member_change", args=[order.member_id])
        return format_html('<a href="{}">{}</a>', url, order.member.display_name)

    @display(description="状态", ordering="status", label=STATUS_LABELS)
    def status_badge(self, order):
        return order.status, order.get_status_display()

    @admin.display(description="收货人")
    def receiver(self, order):
        return format_html("{}<br><span class='text-xs'>{}</span>", order.receiver_name, order.receiver_phone)

    @admin.display(description="下单时间", ordering="created_at")
    def placed_at(self, order):
        return short_time(order.created_at)

    @admin.display(description="商家备注")
    def note_preview(self, order):
        if not order.operator_note:
            return ""
        return format_html('<span title="{}">{}</span>', order.operator_note, Truncator(order.operator_note).chars(16))

    @admin.display(description="商品金额")
    def goods_yuan(self, order):
        return format_yuan(order.goods_fen)

    @admin.display(description="运费")
    def shipping_yuan(self, order):
        return format_yuan(order.shipping_fen)

    @admin.display(description="优惠")
    def discount_yuan(self, order):
        return format_yuan(order.discount_fen)

    @admin.display(description="余额抵扣")
    def balance_yuan(self, order):
        return format_yuan(order.balance_fen)

    @admin.display(description="实付（元）", ordering="pay_fen")
    def pay_yuan(self, order):
        return format_yuan(order.pay_fen)

    @admin.display(description="已退款（元）")
    def refunded_yuan(self, order):
        return format_yuan(order.refunded_fen)

    @admin.display(description="")
    def ship_link(self, order):
        if order.status != OrderStatus.PAID:
            return ""
        return format_html(
            '<a class="bg-primary-600 font-medium px-2 py-1 rounded-default text-white whitespace-nowrap" href="{}">发货</a>',
            reverse("admin:mall_order_ship", args=[order.pk]),
        )

    def get_urls(self):
        return [
            path("<int:order_id>/ship/", self.admin_site.admin_view(self.ship_view), name="mall_order_ship"),
            *super().get_urls(),
        ]

    def ship_view(self, request, order_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        order = get_object_or_404(Order.objects.prefetch_related("lines"), pk=order_id, status=OrderStatus.PAID)
        return ship_page(self, request, [order], post_url=request.path)

    @admin.action(description="发货（填写快递公司与单号）", permissions=["change"])
    def ship_orders(self, request, queryset):
        orders = list(queryset.filter(status=OrderStatus.PAID).prefetch_related("lines").order_by("id"))
        if not orders:
            self.message_user(request, "所选订单中没有待发货的订单", messages.WARNING)
            return None
        return ship_page(self, request, orders, post_url=reverse("admin:mall_order_changelist"))

    @admin.action(description="取消所选的待付款订单（退回库存）", permissions=["change"])
    def cancel_orders(self, request, queryset):
        cancelled = skipped = 0
        for order in queryset.filter(status=OrderStatus.PENDING_PAYMENT):
            try:
                order_cancel(order=order, actor=request.user, actor_kind=ActorKind.OPERATOR, reason="运营取消订单")
                cancelled += 1
            except InvalidStatus:
                skipped += 1  # paid or cancelled in the meantime
        skipped += queryset.exclude(status=OrderStatus.PENDING_PAYMENT).count()
        self.message_user(request, f"已取消 {cancelled} 个订单，跳过 {skipped} 个非待付款订单", messages.SUCCESS)
