from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from config.admin_tools import short_time
from crm.errors import SegmentRuleError
from crm.models import Tag
from crm.services.tags import tag_sync


@admin.register(Tag)
class TagAdmin(ModelAdmin):
    """Manual tags are put on from the member list (bulk actions); rule tags follow their
    segment, synced every hour (and at once with the 立即同步 action)."""

    list_display = ["name", "kind", "segment", "members", "synced", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["segment"]
    readonly_fields = ["synced_at", "created_at"]
    fields = ["name", "kind", "segment", "synced_at", "created_at"]
    actions = ["sync_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("segment").annotate(member_total=Count("member_tags"))

    @admin.display(description="会员数", ordering="member_total")
    def members(self, tag):
        return format_html('<a class="text-primary-600" href="{}?tag={}">{}</a>', reverse("admin:members_member_changelist"), tag.pk,
                           tag.member_total)

    @admin.display(description="最近同步", ordering="synced_at")
    def synced(self, tag):
        return short_time(tag.synced_at)

    @admin.action(description="立即同步（自动标签）", permissions=["change"])
    def sync_now(self, request, queryset):
        for tag in queryset.filter(kind=Tag.Kind.RULE).order_by("pk"):
            try:
                added, removed = tag_sync(tag=tag)
                self.message_user(request, f"「{tag.name}」：新增 {added} 位，移除 {removed} 位", messages.SUCCESS)
            except SegmentRuleError as error:
                self.message_user(request, f"「{tag.name}」的分群规则有误，未同步：{error.message}", messages.ERROR)
