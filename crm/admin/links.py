"""Tracking in the back office: short links with their clicks, the events the store pages
report, and the recommendations worked out nightly — all history, read only, except a
link's target, which may move while the printed code stays."""

from django import forms
from django.contrib import admin
from unfold.admin import ModelAdmin, TabularInline

from config.admin_tools import ReadOnlyAdmin, short_time
from crm.admin.channels import copyable_url
from crm.errors import LinkTargetInvalid
from crm.models import LinkClick, Recommendation, ShortLink, TrackedEvent
from crm.services.links import short_link_create, short_link_target_check, short_link_url


class ShortLinkForm(forms.ModelForm):
    class Meta:
        model = ShortLink
        fields = ["target", "channel", "push"]

    def clean_target(self):
        try:
            return short_link_target_check(self.cleaned_data["target"])
        except LinkTargetInvalid as exc:
            raise forms.ValidationError(exc.message) from exc


class LinkClickInline(TabularInline):
    model = LinkClick
    fields = ["clicked_at", "member"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    per_page = 20
    verbose_name_plural = "最近点击"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")


@admin.register(ShortLink)
class ShortLinkAdmin(ModelAdmin):
    form = ShortLinkForm
    list_display = ["code", "url", "target", "channel", "push", "click_count", "created"]
    list_filter = ["channel", "created_at"]
    search_fields = ["=code", "target", "channel__name", "push__title"]
    list_select_related = ["channel", "push"]
    autocomplete_fields = ["channel"]
    raw_id_fields = ["push"]
    readonly_fields = ["code", "url", "click_count", "created_at"]
    inlines = [LinkClickInline]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        # Who a link counts for is fixed once people have it; only where it leads may change.
        return [*self.readonly_fields, "channel", "push"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        made = short_link_create(target=obj.target, channel=obj.channel, push=obj.push)
        obj.pk, obj.code, obj.created_at = made.pk, made.code, made.created_at
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        return False  # a deleted code would send people who hold it to a 404

    @admin.display(description="链接")
    def url(self, link):
        return copyable_url(short_link_url(link=link)) if link.code else "—"

    @admin.display(description="创建时间", ordering="created_at")
    def created(self, link):
        return short_time(link.created_at)


@admin.register(TrackedEvent)
class TrackedEventAdmin(ReadOnlyAdmin):
    list_display = ["created", "name", "path", "member", "props"]
    list_filter = ["name", "created_at"]
    search_fields = ["path", "=member__openid", "member__nickname"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # millions of rows: no COUNT(*) on every page

    @admin.display(description="时间", ordering="created_at")
    def created(self, event):
        return short_time(event.created_at)


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["product", "kind", "recommended", "score", "computed_at"]
    list_filter = ["kind"]
    search_fields = ["product__title", "recommended__title"]
    list_select_related = ["product", "recommended"]
    raw_id_fields = ["product", "recommended"]
    ordering = ["product", "kind", "-score"]
