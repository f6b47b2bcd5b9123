from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import TabularInline

from config.admin_tools import ReadOnlyAdmin
from outbox.models import Delivery, Event
from outbox.selectors import stuck_deliveries
from outbox.services import deliveries_retry_now


class StuckFilter(admin.SimpleListFilter):
    title = "是否卡住"
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return [("yes", "卡住（失败过或超过 5 分钟未投递）")]

    def queryset(self, request, queryset):
        return queryset.filter(pk__in=stuck_deliveries().values("pk")) if self.value() == "yes" else queryset


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Who got which event. A stuck delivery shows its last error; fix the cause, then
    retry it now (or let the sweep retry it on its own schedule)."""

    list_display = ["id", "event_link", "subscriber", "status", "attempts", "next_attempt_at", "error", "delivered_at"]
    list_filter = [StuckFilter, "status", "subscriber"]
    search_fields = ["subscriber", "event__name", "=event__id"]
    list_select_related = ["event"]
    raw_id_fields = ["event"]
    actions = ["retry_now"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("outbox.retry_delivery")

    @admin.display(description="事件", ordering="event")
    def event_link(self, delivery):
        url = reverse("admin:outbox_event_change", args=[delivery.event_id])
        return format_html('<a href="{}">{}</a>', url, delivery.event)

    @admin.display(description="最近错误")
    def error(self, delivery):
        return delivery.last_error.splitlines()[-1][:120] if delivery.last_error else ""

    @admin.action(description="立即重试", permissions=["retry"])
    def retry_now(self, request, queryset):
        made_due = deliveries_retry_now(delivery_ids=list(queryset.values_list("pk", flat=True)))
        left = queryset.filter(status="pending").count()
        level = messages.SUCCESS if not left else messages.WARNING
        self.message_user(request, f"已重试 {made_due} 个投递{f'，仍有 {left} 个失败，请查看错误' if left else ''}", level)


class DeliveryInline(TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["subscriber", "status", "attempts", "next_attempt_at", "last_error", "delivered_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "created_at", "payload"]
    list_filter = ["name", "created_at"]
    search_fields = ["name", "=id"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]
