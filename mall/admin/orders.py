from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from config.admin_tools import export_csv, export_xlsx
from config.errors import InvalidStatus
from config.money import format_yuan
from mall.models import ActorKind, Order, OrderEvent, OrderLine, OrderStatus
from mall.services.orders import order_cancel

STATUS_COLOURS = {
    OrderStatus.PENDING_PAYMENT: "#ff8a00",
    OrderStatus.PAID: "#e4393c",
    OrderStatus.SHIPPED: "#2f80ed",
    OrderStatus.COMPLETED: "#07a35a",
    OrderStatus.CANCELLED: "#86909c",
    OrderStatus.REFUNDING: "#c026d3",
    OrderStatus.REFUNDED: "#6b7280",
}


class ReadOnlyInline(admin.TabularInline):
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


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "member_link", "status_badge", "pay_yuan", "receiver_name", "receiver_phone", "created_at", "paid_at"]
    list_filter = ["status", "created_at", "paid_at"]
    date_hierarchy = "created_at"
    search_fields = ["=number", "receiver_phone", "receiver_name", "member__nickname", "member__phone"]
    list_select_related = ["member"]
    list_per_page = 50
    inlines = [OrderLineInline, OrderEventInline]
    actions = ["cancel_orders", export_csv, export_xlsx]
    readonly_fields = [
        "number", "member", "status", "goods_yuan", "shipping_yuan", "discount_yuan", "pay_yuan",
        "receiver_name", "receiver_phone", "province", "city", "district", "address_detail", "note",
        "created_at", "expires_at", "paid_at", "shipped_at", "completed_at", "cancelled_at",
    ]
    fieldsets = [
        ("订单", {"fields": ["number", "member", "status", "note"]}),
        ("金额（元）", {"fields": ["goods_yuan", "shipping_yuan", "discount_yuan", "pay_yuan"]}),
        ("收货信息", {"fields": ["receiver_name", "receiver_phone", "province", "city", "district", "address_detail"]}),
        ("时间", {"fields": ["created_at", "expires_at", "paid_at", "shipped_at", "completed_at", "cancelled_at"]}),
    ]
    export_fields = [
        ("订单号", "number"),
        ("状态", lambda o: o.get_status_display()),
        ("会员", lambda o: o.member.display_name),
        ("商品金额（元）", lambda o: format_yuan(o.goods_fen)),
        ("运费（元）", lambda o: format_yuan(o.shipping_fen)),
        ("优惠（元）", lambda o: format_yuan(o.discount_fen)),
        ("实付（元）", lambda o: format_yuan(o.pay_fen)),
        ("收货人", "receiver_name"),
        ("手机", "receiver_phone"),
        ("地址", "full_address"),
        ("留言", "note"),
        ("下单时间", "created_at"),
        ("支付时间", "paid_at"),
    ]

    def has_add_permission(self, request):
        return False  # orders come from shoppers

    def has_delete_permission(self, request, obj=None):
        return False  # orders are money history

    @admin.display(description="会员", ordering="member__nickname")
    def member_link(self, order):
        url = reverse("admin:crm_member_change", args=[order.member_id])
        return format_html('<a href="{}">{}</a>', url, order.member.display_name)

    @admin.display(description="状态", ordering="status")
    def status_badge(self, order):
        return format_html(
            '<span style="color:#fff;background:{};padding:2px 8px;border-radius:10px;font-size:12px;white-space:nowrap">{}</span>',
            STATUS_COLOURS.get(order.status, "#999"),
            order.get_status_display(),
        )

    @admin.display(description="商品金额")
    def goods_yuan(self, order):
        return format_yuan(order.goods_fen)

    @admin.display(description="运费")
    def shipping_yuan(self, order):
        return format_yuan(order.shipping_fen)

    @admin.display(description="优惠")
    def discount_yuan(self, order):
        return format_yuan(order.discount_fen)

    @admin.display(description="实付（元）", ordering="pay_fen")
    def pay_yuan(self, order):
        return format_yuan(order.pay_fen)

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
