"""Coupon drops in the back office: made from the segment list (「发优惠券…」, a page that
picks the template beside the segment's count and each template's stock left), listed
here read-only with their progress, and cancelled while they are under way."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import display

from config.admin_tools import short_time
from config.errors import DomainError
from crm.models import CouponDrop
from crm.services.coupon_drops import coupon_drop_cancel
from mall.models import CouponTemplate
from mall.selectors import coupon_template_left

STATUS_COLOURS = {
    CouponDrop.Status.QUEUED: "info", CouponDrop.Status.RUNNING: "primary", CouponDrop.Status.DONE: "success",
    CouponDrop.Status.STOPPED: "danger",
}


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, template):
        left = coupon_template_left(template)
        return f"{template.title}（{'不限量' if left is None else f'剩余 {left} 张'}）"


class CouponDropForm(forms.Form):
    """The template of a drop: only those switched on; the service refuses the expired and
    the ones short of stock with the reason."""

    template = TemplateChoiceField(label="优惠券", queryset=CouponTemplate.objects.filter(is_active=True).order_by("-id"),
                                   help_text="分群里每位会员发一张；剩余库存须够每人一张")


@admin.register(CouponDrop)
class CouponDropAdmin(ModelAdmin):
    list_display = ["segment", "template", "status_label", "targeted", "granted", "already_had", "progress", "created_by",
                    "created", "finished"]
    list_display_links = ["segment"]
    list_filter = ["status", "segment", "created_at"]
    search_fields = ["segment__name", "template__title"]
    list_select_related = ["segment", "template", "created_by"]
    fields = ["segment", "template", "status", "targeted", "granted", "already_had", "progress", "cursor", "last_error", "created_by",
              "created_at", "finished_at"]
    readonly_fields = fields
    actions = ["cancel"]

    def has_add_permission(self, request):
        return False  # made from the segment list, where the segment is chosen

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # what was given is history

    def has_cancel_permission(self, request):
        return request.user.has_perm("crm.cancel_coupondrop")

    @display(description="状态", ordering="status", label=STATUS_COLOURS)
    def status_label(self, drop):
        return drop.status, drop.get_status_display()

    @admin.display(description="进度")
    def progress(self, drop):
        done = drop.granted + drop.already_had
        reason = format_html('<div class="text-red-600 text-xs">{}</div>', drop.last_error) if drop.last_error else ""
        return format_html('<progress max="{}" value="{}" class="w-32"></progress> {} / {}{}', drop.targeted, min(done, drop.targeted), done,
                           drop.targeted, reason)

    @admin.display(description="创建时间", ordering="created_at")
    def created(self, drop):
        return short_time(drop.created_at)

    @admin.display(description="结束时间", ordering="finished_at")
    def finished(self, drop):
        return short_time(drop.finished_at)

    @admin.action(description="取消", permissions=["cancel"])
    def cancel(self, request, queryset):
        cancelled, skipped = 0, 0
        for drop_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                coupon_drop_cancel(drop_id=drop_id)
                cancelled += 1
            except DomainError:
                skipped += 1  # already over
        if cancelled:
            self.message_user(request, f"已取消 {cancelled} 个发券，已发出的券保留", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} 个发券已结束，无需取消", messages.WARNING)
