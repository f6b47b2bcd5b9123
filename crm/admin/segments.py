import json
import logging

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.fields import InvalidJSONInput
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods
from unfold.admin import ModelAdmin

from config.admin_tools import short_time
from config.errors import DomainError
from crm.admin.coupon_drops import CouponDropForm
from crm.errors import SegmentRuleError
from crm.models import Segment
from crm.selectors.segments import segment_count, segment_fields_schema, segment_sample, validate_rules
from crm.services.coupon_drops import coupon_drop_create
from crm.services.segments import segment_recount

logger = logging.getLogger(__name__)


class RulesJSONField(forms.JSONField):
    """Django's JSON field minus a 500: JSON nested a thousand levels deep makes the json
    module raise RecursionError, which Django catches no more than DRF does."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except RecursionError:
            raise ValidationError("规则 JSON 嵌套太深", code="invalid") from None

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["name", "description", "rules"]
        field_classes = {"rules": RulesJSONField}
        help_texts = {"rules": "由上方的规则编辑器生成；熟悉格式的运营也可以直接修改 JSON"}

    def clean_rules(self):
        rules = self.cleaned_data["rules"]
        try:
            validate_rules(rules)
        except SegmentRuleError as error:
            raise ValidationError(error.message) from None
        return rules


@admin.register(Segment)
class SegmentAdmin(ModelAdmin):
    """Segments edited with a rule builder (static/js/admin/segment_builder.js) that writes
    the `rules` JSON and asks the preview endpoint for the live count and a sample."""

    form = SegmentForm
    list_display = ["name", "description", "count", "counted", "updated", "members_link"]
    search_fields = ["name", "description"]
    readonly_fields = ["builder", "member_count", "counted_at", "created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "description"]}),
        ("规则", {"fields": ["builder"]}),
        ("规则 JSON（高级）", {"fields": ["rules"], "classes": ["collapse"]}),
        ("记录", {"fields": ["member_count", "counted_at", "created_by", "created_at", "updated_at"]}),
    ]
    actions = ["recount", "drop_coupons"]

    class Media:
        js = ["js/admin/segment_builder.js"]
        css = {"all": ["css/admin/segment_builder.css"]}

    def get_urls(self):
        preview = self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.preview_view))
        return [path("preview/", preview, name="crm_segment_preview"), *super().get_urls()]

    def preview_view(self, request):
        """POST {"rules": …} → {"count", "sample"}, or 400 {"code", "detail"} for rules that
        cannot be compiled; GET → the fields the builder offers. The admin's session and CSRF
        token guard it like any admin form."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "GET":
            return JsonResponse({"fields": segment_fields_schema()})
        try:
            rules = json.loads(request.body or b"{}").get("rules")
        except (ValueError, AttributeError, RecursionError):  # not JSON, not an object, nested too deep for the json module
            return JsonResponse({"code": "validation_error", "detail": "请求格式不对"}, status=400)
        try:
            return JsonResponse({"count": segment_count(rules), "sample": segment_sample(rules)})
        except SegmentRuleError as error:
            return JsonResponse({"code": error.code, "detail": error.message}, status=400)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        segment_recount(segment=obj)

    @admin.display(description="规则编辑器")
    def builder(self, segment):
        # Kept on the object: unfold reads a read-only field's contents up to five times
        # while rendering it, and the schema costs a query per choice list.
        if not hasattr(segment, "_builder_html"):
            segment._builder_html = format_html(
                '<div id="segment-builder" data-fields="{}" data-preview-url="{}" data-members-url="{}">'
                '<noscript>规则编辑器需要浏览器开启 JavaScript；也可以在下方「规则 JSON」中直接编辑。</noscript></div>',
                json.dumps(segment_fields_schema(), ensure_ascii=False), reverse("admin:crm_segment_preview"),
                reverse("admin:members_member_changelist"),
            )
        return segment._builder_html

    @admin.display(description="人数", ordering="member_count")
    def count(self, segment):
        return "—" if segment.member_count is None else segment.member_count

    @admin.display(description="计数时间", ordering="counted_at")
    def counted(self, segment):
        return short_time(segment.counted_at)

    @admin.display(description="更新时间", ordering="updated_at")
    def updated(self, segment):
        return short_time(segment.updated_at)

    @admin.display(description="会员")
    def members_link(self, segment):
        # The member list filtered to the segment: its export (phones only with
        # members.export_member) is the segment's export, one mechanism for both.
        return format_html('<a class="text-primary-600" href="{}?segment={}">查看会员</a>',
                           reverse("admin:members_member_changelist"), segment.pk)

    @admin.action(description="重新计数")
    def recount(self, request, queryset):
        counted, broken = 0, []
        for segment in queryset.order_by("pk"):
            try:
                segment_recount(segment=segment)
                counted += 1
            except SegmentRuleError as error:
                broken.append(f"「{segment.name}」：{error.message}")
        if counted:
            self.message_user(request, f"已重新计数 {counted} 个分群", messages.SUCCESS)
        for problem in broken:
            self.message_user(request, f"无法计数 {problem}", messages.ERROR)

    def has_add_coupondrop_permission(self, request):
        return request.user.has_perm("crm.add_coupondrop")

    @admin.action(description="发优惠券…", permissions=["add_coupondrop"])
    def drop_coupons(self, request, queryset):
        """One segment, a template picked beside the segment's count and the stock left; the
        drop then runs in the background (分群发券 shows its progress)."""
        segments = list(queryset[:2])
        if len(segments) != 1:
            self.message_user(request, "请只选一个分群发优惠券", messages.WARNING)
            return None
        segment = segments[0]
        form = CouponDropForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                drop = coupon_drop_create(segment=segment, template=form.cleaned_data["template"], by=request.user)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, f"已开始给分群「{segment.name}」的 {drop.targeted} 位会员每人发一张「{drop.template.title}」，进度见下表",
                                  messages.SUCCESS)
                return redirect("admin:crm_coupondrop_changelist")
        try:
            count, problem = segment_count(segment.rules), ""
        except SegmentRuleError as error:
            count, problem = None, error.message
        context = {
            **self.admin_site.each_context(request), "title": f"给分群「{segment.name}」发优惠券", "form": form, "segment": segment,
            "count": count, "problem": problem, "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/crm/segment/drop_coupons.html", context)
