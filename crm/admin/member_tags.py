from django import forms
from django.contrib import admin, messages
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from config.errors import InvalidInput
from crm.errors import SegmentRuleError
from crm.models import MemberTag, RfmGroup, Segment, Tag
from crm.selectors.segments import segment_members
from crm.services.tags import member_tags_add, member_tags_remove


class TagFilter(admin.SimpleListFilter):
    title = "标签"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return list(Tag.objects.order_by("name").values_list("pk", "name"))

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(member_tags__tag_id=int(self.value()))
        return queryset


class SegmentFilter(admin.SimpleListFilter):
    """The members of a saved segment (the segment list's 查看会员 links here)."""

    title = "分群"
    parameter_name = "segment"

    def lookups(self, request, model_admin):
        return list(Segment.objects.order_by("name").values_list("pk", "name"))

    def queryset(self, request, queryset):
        if not (self.value() and self.value().isdigit()):
            return queryset
        segment = Segment.objects.filter(pk=int(self.value())).first()
        if segment is None:
            return queryset.none()
        try:
            return queryset.filter(pk__in=segment_members(segment.rules).values("pk"))
        except SegmentRuleError as error:
            messages.error(request, f"分群「{segment.name}」的规则有误：{error.message}")
            return queryset.none()


class RfmGroupFilter(admin.SimpleListFilter):
    title = "RFM 分组"
    parameter_name = "rfm"

    def lookups(self, request, model_admin):
        return RfmGroup.choices

    def queryset(self, request, queryset):
        if self.value() in RfmGroup.values:
            return queryset.filter(purchase_stats__rfm_group=self.value())
        return queryset


class TagChoiceForm(forms.Form):
    tag = forms.ModelChoiceField(label="标签", queryset=Tag.objects.filter(kind=Tag.Kind.MANUAL).order_by("name"),
                                 help_text="只能手动增减手动标签；自动标签跟随其分群")


class MemberTagsMixin:
    """Tags and RFM on the member list: bulk tag and untag (a page to pick the tag), a tags
    column read with one prefetch for the page, filters by tag, segment and RFM group."""

    member_tags_filters = [TagFilter, SegmentFilter, RfmGroupFilter]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("purchase_stats").prefetch_related(
            Prefetch("member_tags", queryset=MemberTag.objects.select_related("tag").order_by("tag__name"))
        )

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), *self.member_tags_filters]

    @admin.display(description="标签")
    def tag_names(self, member):
        tags = [member_tag.tag.name for member_tag in member.member_tags.all()]
        if not tags:
            return "—"
        return format_html_join(" ", '<span class="bg-base-100 dark:bg-base-800 px-1.5 rounded text-xs whitespace-nowrap">{}</span>',
                                ((name,) for name in tags))

    @admin.display(description="RFM", ordering="purchase_stats__rfm_group")
    def rfm(self, member):
        stats = getattr(member, "purchase_stats", None)  # the reverse one-to-one raises an AttributeError when absent
        if stats is None or not stats.rfm_group:
            return "—"
        return format_html('{} <span class="text-xs text-base-500">R{} F{} M{}</span>', stats.get_rfm_group_display(),
                           stats.r_score, stats.f_score, stats.m_score)

    @admin.action(description="打标签…", permissions=["change"])
    def tag_members(self, request, queryset):
        return self._tag_action(request, queryset, action="tag_members", title="给所选会员打标签", apply=member_tags_add, done="已给 {n} 位会员打上「{tag}」")

    @admin.action(description="去掉标签…", permissions=["change"])
    def untag_members(self, request, queryset):
        return self._tag_action(request, queryset, action="untag_members", title="去掉所选会员的标签", apply=member_tags_remove,
                                done="已从 {n} 位会员去掉「{tag}」")

    def _tag_action(self, request, queryset, *, action, title, apply, done):
        form = TagChoiceForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            tag = form.cleaned_data["tag"]
            try:
                count = apply(tag=tag, members=queryset)
            except InvalidInput as error:
                self.message_user(request, error.message, messages.ERROR)
                return None
            self.message_user(request, done.format(n=count, tag=tag.name), messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request), "title": title, "form": form, "action": action, "opts": self.model._meta,
            "objects": queryset,
        }
        return TemplateResponse(request, "admin/distribution/action_form.html", context)
