from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from config.admin_tools import ReadOnlyAdmin, export_csv, export_xlsx
from config.errors import DomainError, InvalidStatus
from config.money import format_yuan
from distribution import selectors
from distribution.models import (
    Account,
    DistributionSettings,
    Distributor,
    DistributorStatus,
    Eligibility,
    Grade,
    Referral,
    ReferralChange,
)
from distribution.services.binding import binding_set
from distribution.services.distributors import distributor_review, distributor_revoke


class GradeChoiceForm(forms.Form):
    grade = forms.ModelChoiceField(label="等级", queryset=Grade.objects.all(), required=False, empty_label="（无等级，按全局比例）",
                                   widget=UnfoldAdminSelectWidget)


@admin.register(Distributor)
class DistributorAdmin(ModelAdmin):
    list_before_template = "admin/distribution/distributor/list_before.html"
    list_display = ["member", "status", "grade", "team_size", "available", "frozen", "team_link", "created_at"]
    list_filter = ["status", "grade", "created_at"]
    search_fields = ["member__nickname", "member__phone", "=member__referral_code", "=member__openid"]
    list_select_related = ["member", "grade"]
    raw_id_fields = ["member"]
    # The status moves only through the review actions (with who and when); a distributor
    # stays the member it was created for.
    readonly_fields = ["status", "applied_at", "reviewed_at", "reviewed_by", "created_at"]
    actions = ["approve", "reject", "revoke", "set_grade", export_csv, export_xlsx]
    export_fields = [
        ("会员", "member__nickname"),
        ("推荐码", "member__referral_code"),
        ("状态", lambda d: d.get_status_display()),
        ("等级", "grade__name"),
        ("直推人数", "team"),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "member"] if obj else self.readonly_fields

    def changelist_view(self, request, extra_context=None):
        # In "everyone" mode a list of rows alone reads as "no sharers" while members earn.
        if DistributionSettings.get_solo().eligibility == Eligibility.EVERYONE:
            unlisted, earners = selectors.sharers_earning_without_row()
            extra_context = {**(extra_context or {}), "everyone_mode": True, "unlisted_count": unlisted, "unlisted_earners": earners}
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        account = Account.objects.filter(member=OuterRef("member"))
        live = Referral.objects.filter(selectors.live_bindings(), referrer=OuterRef("member"), member__is_active=True)
        team = live.order_by().values("referrer").annotate(n=Count("id")).values("n")
        return super().get_queryset(request).annotate(
            available_fen=Subquery(account.values("available_fen")),
            frozen_fen=Subquery(account.values("frozen_fen")),
            team=Coalesce(Subquery(team), 0),
        )

    @admin.display(description="直推人数", ordering="team")
    def team_size(self, distributor):
        return distributor.team

    @admin.display(description="可提现（元）", ordering="available_fen")
    def available(self, distributor):
        return format_yuan(distributor.available_fen or 0)

    @admin.display(description="冻结（元）", ordering="frozen_fen")
    def frozen(self, distributor):
        return format_yuan(distributor.frozen_fen or 0)

    @admin.display(description="")
    def team_link(self, distributor):
        return format_html('<a href="{}">团队</a>', reverse("admin:distribution_team", args=[distributor.member_id]))

    def get_urls(self):
        return [path("team/<int:member_id>/", self.admin_site.admin_view(self.team_view), name="distribution_team"), *super().get_urls()]

    def team_view(self, request, member_id):
        """A member's place in the referral tree: who is above, who is below (two levels)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        member = get_object_or_404(get_user_model(), pk=member_id)
        upline, current = [], member
        for _ in range(5):
            current = selectors.referrer_of(member=current)
            if current is None:
                break
            upline.append(current)
        level1 = list(selectors.team(member=member, level=1).select_related("referral")[:200])
        level2 = {}
        for person in selectors.team(member=member, level=2).select_related("referral__referrer")[:1000]:
            level2.setdefault(person.referral.referrer_id, []).append(person)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{member} 的推荐关系",
            "member": member,
            "upline": upline,
            "level1": [(person, level2.get(person.pk, [])) for person in level1],
            "opts": self.model._meta,
            "history": ReferralChange.objects.filter(member=member).select_related("old_referrer", "new_referrer", "actor")[:20],
        }
        return TemplateResponse(request, "admin/distribution/team.html", context)

    def _review(self, request, queryset, act, done):
        changed = 0
        for distributor in queryset:
            try:
                act(distributor)
                changed += 1
            except InvalidStatus:
                pass
        self.message_user(request, f"{done} {changed} 位", messages.SUCCESS)

    @admin.action(description="通过申请 / 恢复资格", permissions=["change"])
    def approve(self, request, queryset):
        self._review(request, queryset, lambda d: distributor_review(distributor=d, approve=True, by=request.user), "已通过")

    @admin.action(description="拒绝申请", permissions=["change"])
    def reject(self, request, queryset):
        self._review(request, queryset.filter(status=DistributorStatus.PENDING), lambda d: distributor_review(distributor=d, approve=False, by=request.user), "已拒绝")

    @admin.action(description="取消分销资格", permissions=["change"])
    def revoke(self, request, queryset):
        self._review(request, queryset, lambda d: distributor_revoke(distributor=d, by=request.user), "已取消")

    @admin.action(description="设置等级…", permissions=["change"])
    def set_grade(self, request, queryset):
        form = GradeChoiceForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            updated = queryset.update(grade=form.cleaned_data["grade"])
            self.message_user(request, f"已为 {updated} 位分销员设置等级", messages.SUCCESS)
            return None
        context = {**self.admin_site.each_context(request), "title": "设置分销员等级", "form": form, "objects": queryset,
                   "action": "set_grade", "opts": self.model._meta}
        return TemplateResponse(request, "admin/distribution/action_form.html", context)


class RebindForm(forms.Form):
    referrer_code = forms.CharField(label="新推荐人的推荐码", max_length=16, required=False, help_text="留空表示解除绑定",
                                    widget=UnfoldAdminTextInputWidget)
    reason = forms.CharField(label="调整原因", max_length=200, widget=UnfoldAdminTextInputWidget)

    def clean_referrer_code(self):
        code = self.cleaned_data["referrer_code"].strip().upper()
        if not code:
            return None
        referrer = get_user_model().objects.filter(referral_code=code).first()
        if referrer is None:
            raise forms.ValidationError("没有这个推荐码")
        return referrer


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["member", "referrer", "source", "bound_at", "expires_at", "protected_until", "rebind_link"]
    list_filter = ["source", "bound_at"]
    search_fields = ["member__nickname", "=member__referral_code", "referrer__nickname", "=referrer__referral_code"]
    list_select_related = ["member", "referrer"]
    raw_id_fields = ["member", "referrer"]

    @admin.display(description="")
    def rebind_link(self, referral):
        return format_html('<a href="{}">调整推荐人</a>', reverse("admin:distribution_rebind", args=[referral.member_id]))

    def get_urls(self):
        return [path("rebind/<int:member_id>/", self.admin_site.admin_view(self.rebind_view), name="distribution_rebind"), *super().get_urls()]

    def rebind_view(self, request, member_id):
        """Rebind by hand: no self-binding, no cycles, and an audit row with the reason."""
        if not request.user.has_perm("distribution.change_referral"):
            raise PermissionDenied
        member = get_object_or_404(get_user_model(), pk=member_id)
        form = RebindForm(request.POST or None)
        if form.is_valid():
            try:
                binding_set(member=member, referrer=form.cleaned_data["referrer_code"], by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                form.add_error("referrer_code", exc.message)
            else:
                self.message_user(request, f"已调整 {member} 的推荐人", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:distribution_team", args=[member.pk]))
        context = {**self.admin_site.each_context(request), "title": f"调整 {member} 的推荐人", "form": form,
                   "current": selectors.referrer_of(member=member), "opts": self.model._meta}
        return TemplateResponse(request, "admin/distribution/rebind.html", context)


@admin.register(ReferralChange)
class ReferralChangeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "member", "old_referrer", "new_referrer", "source", "actor", "reason"]
    list_filter = ["source", "created_at"]
    search_fields = ["member__nickname", "=member__referral_code"]
    list_select_related = ["member", "old_referrer", "new_referrer", "actor"]
