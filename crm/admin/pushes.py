"""Targeted pushes in the back office: the list with each push's funnel and its rates beside
the benchmarks; the change page with the news, 「发送测试」, 「确认发送」 (a confirmation page
with who it will reach), 「取消」, its progress while it sends (the page refreshes itself
with a meta refresh, no script: CSP), and its recipients read-only. The CRM settings
(weekly cap) beside them."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from config.admin_tools import SettingsAdmin, short_time
from config.errors import DomainError
from crm.errors import SegmentRuleError
from crm.models import CrmSettings, Push, PushRecipient
from crm.selectors.kpis import Verdict, push_funnel, with_push_funnel
from crm.selectors.segments import segment_recommended_products
from crm.services.links import short_link_target_check
from crm.services.pushes import EDITABLE, push_audience, push_cancel, push_create, push_schedule, push_test_send, push_update

VERDICT_COLOURS = {Verdict.BELOW: "danger", Verdict.AT: "warning", Verdict.ABOVE: "success"}
STATUS_COLOURS = {Push.Status.DRAFT: "info", Push.Status.SCHEDULED: "warning", Push.Status.SENDING: "primary", Push.Status.SENT: "success"}
STEPS = {
    "test": ("发送测试", "把这条推送按会员收到的样子发给测试接收人（CRM 设置）和绑定微信的运营账号，确认无误后才能确认发送。", "发送测试"),
    "schedule": ("确认发送", "确认后到发送时间自动按频控发出；发出前仍可取消。", "确认发送"),
    "cancel": ("取消推送", "取消后这条推送不会发出，也不能再恢复。", "取消推送"),
}


class PushForm(forms.ModelForm):
    class Meta:
        model = Push
        fields = list(EDITABLE)

    def clean_target(self):
        try:
            return short_link_target_check(self.cleaned_data["target"])
        except DomainError as exc:
            raise ValidationError(exc.message) from exc

    def clean(self):
        data = super().clean()
        if self.instance.pk and self.instance.status != Push.Status.DRAFT:
            raise ValidationError("只有草稿可以修改")
        return data


class PushRecipientInline(TabularInline):
    model = PushRecipient
    fields = ["member", "status", "attempts", "sent_at", "opened_at", "visited_at", "ordered_at", "last_error"]
    readonly_fields = fields
    raw_id_fields = ["member"]
    can_delete = False
    extra = 0
    max_num = 0
    per_page = 50
    verbose_name_plural = "推送对象（入队时写入，只读）"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member").order_by("pk")


@admin.register(Push)
class PushAdmin(ModelAdmin):
    form = PushForm
    change_form_template = "admin/crm/push/change_form.html"
    list_display = ["title", "status_label", "send_time", "segment", "funnel_counts", "reach_rate", "read_rate"]
    list_filter = ["status", "segment"]
    search_fields = ["title"]
    list_select_related = ["segment"]
    date_hierarchy = "send_at"
    inlines = [PushRecipientInline]
    info_fields = ["suggested_products", "status", "steps", "progress", "funnel", "test_sent_at", "targeted_count", "capped_count", "started_at", "finished_at",
                   "created_by", "created_at"]

    def get_queryset(self, request):
        return with_push_funnel(super().get_queryset(request))

    def get_fields(self, request, obj=None):
        return [*EDITABLE, *self.info_fields] if obj else list(EDITABLE)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.info_fields, *(EDITABLE if obj.status != Push.Status.DRAFT else [])]

    def get_inlines(self, request, obj):
        return self.inlines if obj and obj.status not in (Push.Status.DRAFT, Push.Status.SCHEDULED, Push.Status.CANCELLED) else []

    def has_delete_permission(self, request, obj=None):
        return False  # what was sent is history; a draft is cancelled instead

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            push = push_create(**{name: data[name] for name in EDITABLE}, by=request.user)
            obj.pk = push.pk
            return
        changed = {name: data[name] for name in form.changed_data if name in EDITABLE}
        if changed:
            try:
                push_update(push_id=obj.pk, **changed)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.warning(request, "推送已修改，确认发送前请重新「发送测试」。")

    def save_related(self, request, form, formsets, change):
        """Nothing to save: recipients are written by the enqueue, never by a form."""

    @display(description="状态", ordering="status", label=STATUS_COLOURS)
    def status_label(self, push):
        return push.status, push.get_status_display()

    @admin.display(description="发送时间", ordering="send_at")
    def send_time(self, push):
        return short_time(push.send_at)

    @admin.display(description="分群 / 送达 / 打开 / 进店 / 下单")
    def funnel_counts(self, push):
        funnel = push_funnel(push)
        return f"{funnel.targeted} / {funnel.delivered} / {funnel.opened} / {funnel.visited} / {funnel.ordered}"

    def _rate_label(self, rate):
        """(verdict, text) for unfold's coloured label: the rate beside its benchmark."""
        return (rate.verdict or "", f"{rate.percent}（基准 {rate.benchmark_percent}）")

    @display(description="到达率", label=VERDICT_COLOURS)
    def reach_rate(self, push):
        return self._rate_label(push_funnel(push).reach)

    @display(description="阅读率", label=VERDICT_COLOURS)
    def read_rate(self, push):
        return self._rate_label(push_funnel(push).read)

    @admin.display(description="漏斗")
    def funnel(self, push):
        rates = push_funnel(push).rates
        return format_html_join(
            "", '<div>{}：{} <span class="text-font-subtle-light">{} {}</span></div>',
            ((rate.label, rate.percent, rate.benchmark_percent, rate.verdict.label if rate.verdict else "") for rate in rates),
        )

    @admin.display(description="推荐内容")
    def suggested_products(self, push):
        """What goes best with what the segment bought: a target for the news to link to."""
        try:
            products = segment_recommended_products(push.segment.rules)
        except SegmentRuleError as error:
            return error.message
        if not products:
            return "分群会员的购买记录还不足以推荐商品（商品推荐每晚计算）"
        return format_html_join(
            "", '<div>{}：<code>{}</code></div>', ((product.title, reverse("mall:product_detail", args=[product.pk])) for product in products)
        )

    @admin.display(description="发送进度")
    def progress(self, push):
        if push.status not in (Push.Status.SENDING, Push.Status.SENT):
            return "—"
        done = push.delivered_count + push.failed_count
        total = done + push.queued_count
        note = "（发送中，本页每 5 秒自动刷新）" if push.status == Push.Status.SENDING else ""
        return format_html(
            '<progress max="{}" value="{}" class="w-64"></progress> <span data-progress>待发 {}，已送达 {}，失败 {}</span>{}',
            total or 1, done, push.queued_count, push.delivered_count, push.failed_count, note,
        )

    @admin.display(description="操作")
    def steps(self, push):
        offered = {Push.Status.DRAFT: ["test", "schedule", "cancel"], Push.Status.SCHEDULED: ["cancel"]}.get(push.status, [])
        return format_html_join(
            " ", '<a class="border border-base-200 rounded-default px-3 py-1 text-primary-600 mr-2" href="{}">{}</a>',
            ((f'{reverse("admin:crm_push_step", args=[push.pk])}?do={step}', STEPS[step][0]) for step in offered),
        ) or "—"

    def get_urls(self):
        return [path("<int:object_id>/step/", self.admin_site.admin_view(self.step_view), name="crm_push_step"), *super().get_urls()]

    def step_view(self, request, object_id):
        """?do=test|schedule|cancel. GET: what the step does (and, to confirm sending, who it
        will reach); POST: do it."""
        step = request.GET.get("do", "schedule")
        if step not in STEPS:
            raise PermissionDenied
        push = get_object_or_404(Push.objects.select_related("segment"), pk=object_id)
        if not self.has_change_permission(request, push):
            raise PermissionDenied
        change_url = reverse("admin:crm_push_change", args=[push.pk])
        if request.method == "POST":
            try:
                if step == "test":
                    messages.success(request, f"已发到 {push_test_send(push_id=push.pk)} 位运营人员的微信，请在手机上检查后确认发送。")
                elif step == "schedule":
                    audience = push_schedule(push_id=push.pk)
                    messages.success(request, f"已确认：到发送时间发给 {audience.reachable} 人（{audience.capped} 人因频控跳过）。")
                else:
                    push_cancel(push_id=push.pk)
                    messages.success(request, "推送已取消。")
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect(change_url)
        audience, problem = None, ""
        if step == "schedule":
            try:
                audience = push_audience(push=push)
            except DomainError as exc:
                problem = exc.message
        title, intro, button = STEPS[step]
        context = {
            **self.admin_site.each_context(request), "title": f"{title}：{push.title}", "opts": self.model._meta, "push": push,
            "intro": intro, "button": button, "audience": audience, "problem": problem, "change_url": change_url,
        }
        return TemplateResponse(request, "admin/crm/push/step.html", context)


class CrmSettingsForm(forms.ModelForm):
    class Meta:
        model = CrmSettings
        fields = ["weekly_push_cap", "test_members"]


@admin.register(CrmSettings)
class CrmSettingsAdmin(SettingsAdmin):
    form = CrmSettingsForm
    autocomplete_fields = ["test_members"]
