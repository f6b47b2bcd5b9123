from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.widgets import UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from config.admin_tools import MoneyLine, ReadOnlyAdmin, YuanField, export_csv, export_xlsx, money_confirmation, short_time
from config.errors import InvalidStatus
from config.money import format_percent, format_yuan
from distribution.models import Commission, LedgerEntry, PayoutChannel, SkuCommission, Withdrawal, WithdrawalStatus
from distribution.services.withdrawals import withdrawal_approve, withdrawal_record_manual, withdrawal_reject
from wechat.payouts import PayoutUnsure


@admin.register(Commission)
class CommissionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "beneficiary", "level", "order_link", "base", "rate", "net", "status", "available_at"]
    list_filter = ["status", "level", "created_at", "available_at"]
    search_fields = ["=order__number", "beneficiary__nickname", "=beneficiary__referral_code"]
    list_select_related = ["beneficiary", "order"]
    raw_id_fields = ["order", "line", "beneficiary"]
    date_hierarchy = "created_at"
    actions = [export_csv, export_xlsx]
    export_fields = [
        ("时间", "created_at"),
        ("分销员", "beneficiary__nickname"),
        ("层级", "level"),
        ("订单号", "order__number"),
        ("计佣金额（元）", lambda c: format_yuan(c.base_fen)),
        ("比例（%）", lambda c: format_percent(c.rate_bp) if c.rate_bp else "固定"),
        ("佣金（元）", lambda c: format_yuan(c.net_fen)),
        ("状态", lambda c: c.get_status_display()),
    ]

    @admin.display(description="订单", ordering="order__number")
    def order_link(self, commission):
        return format_html('<a href="{}">{}</a>', reverse("admin:mall_order_change", args=[commission.order_id]), commission.order.number)

    @admin.display(description="计佣（元）")
    def base(self, commission):
        return format_yuan(commission.base_fen)

    @admin.display(description="比例")
    def rate(self, commission):
        return f"{format_percent(commission.rate_bp)}%" if commission.rate_bp else "固定"

    @admin.display(description="佣金（元）", ordering="amount_fen")
    def net(self, commission):
        return format_yuan(commission.net_fen)


WITHDRAWAL_LABELS = {
    WithdrawalStatus.PENDING: "warning",
    WithdrawalStatus.PAYING: "info",
    WithdrawalStatus.PAID: "success",
    WithdrawalStatus.FAILED: "danger",
}


class ReasonForm(forms.Form):
    reason = forms.CharField(label="拒绝原因（分销员可见）", max_length=200, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))


class ReferenceForm(forms.Form):
    reference = forms.CharField(label="打款凭证（转账单号等）", max_length=64, widget=UnfoldAdminTextInputWidget)


def payout_lines(withdrawals) -> list[MoneyLine]:
    """What a confirmation shows of each withdrawal; the amount is what leaves: after the fee."""
    return [
        MoneyLine(w.pk, (w.number, w.member.display_name, w.get_channel_display(), format_yuan(w.amount_fen), format_yuan(w.fee_fen)), w.net_fen)
        for w in withdrawals
    ]


PAYOUT_HEADERS = ["提现单号", "分销员", "方式", "提现金额（元）", "手续费（元）"]


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    """The withdrawal queue: approve (pays out through the channel), reject (the money
    goes back), record a manual transfer."""

    list_display = ["number", "member", "amount_yuan", "fee_yuan", "channel", "status_label", "requested_at", "paid"]
    list_filter = ["status", "channel", "created_at"]
    search_fields = ["=number", "member__nickname", "=member__referral_code", "=payout_reference"]
    list_select_related = ["member", "reviewed_by"]
    raw_id_fields = ["member", "reviewed_by"]
    date_hierarchy = "created_at"
    actions = ["approve", "reject", "record_manual", export_csv, export_xlsx]
    export_fields = [
        ("提现单号", "number"),
        ("分销员", "member__nickname"),
        ("金额（元）", lambda w: format_yuan(w.amount_fen)),
        ("手续费（元）", lambda w: format_yuan(w.fee_fen)),
        ("方式", lambda w: w.get_channel_display()),
        ("状态", lambda w: w.get_status_display()),
        ("申请时间", "created_at"),
        ("到账时间", "paid_at"),
        ("凭证", "payout_reference"),
    ]

    def has_approve_permission(self, request):
        return request.user.has_perm("distribution.approve_withdrawal")

    @admin.display(description="金额（元）", ordering="amount_fen")
    def amount_yuan(self, withdrawal):
        return format_yuan(withdrawal.amount_fen)

    @admin.display(description="手续费（元）")
    def fee_yuan(self, withdrawal):
        return format_yuan(withdrawal.fee_fen)

    @admin.display(description="申请时间", ordering="created_at")
    def requested_at(self, withdrawal):
        return short_time(withdrawal.created_at)

    @admin.display(description="到账时间", ordering="paid_at")
    def paid(self, withdrawal):
        return short_time(withdrawal.paid_at)

    @display(description="状态", ordering="status", label=WITHDRAWAL_LABELS)
    def status_label(self, withdrawal):
        return withdrawal.status, withdrawal.get_status_display()

    def _each(self, request, queryset, act, done: str) -> None:
        changed = skipped = 0
        for withdrawal in queryset:
            try:
                act(withdrawal)
                changed += 1
            except InvalidStatus:
                skipped += 1
            except PayoutUnsure as exc:
                self.message_user(request, f"{withdrawal.number} 打款结果未知，稍后自动重试：{exc}", messages.WARNING)
        note = f"，跳过 {skipped} 笔状态不符的提现" if skipped else ""
        self.message_user(request, f"{done} {changed} 笔{note}", messages.SUCCESS)

    @admin.action(description="同意并打款…", permissions=["approve"])
    def approve(self, request, queryset):
        pending = queryset.filter(status=WithdrawalStatus.PENDING)
        if "apply" in request.POST:
            self._each(request, pending, lambda w: withdrawal_approve(withdrawal=w, by=request.user), "已处理")
            return None
        waiting = list(pending.select_related("member").order_by("id"))
        if not waiting:
            self.message_user(request, "所选提现中没有待审核的", messages.WARNING)
            return None
        lines = payout_lines(waiting)
        return money_confirmation(
            self, request, action="approve", title="确认同意提现并打款",
            intro="确认后立即打款：微信零钱直接付到分销员的微信，商城余额立即入账；人工打款的提现转为「打款中」，线下转账后再登记凭证。打款不能撤回。",
            headers=PAYOUT_HEADERS, lines=lines, amount_header="实际打款（元）", total_label="打款合计",
            button=f"确认打款 ¥{format_yuan(sum(line.amount_fen for line in lines))}", skipped=queryset.count() - len(waiting),
        )

    @admin.action(description="拒绝（退回余额）…", permissions=["approve"])
    def reject(self, request, queryset):
        return self._ask_then_each(
            request, queryset, ReasonForm, "reject", "拒绝提现", "已拒绝",
            lambda w, reason: withdrawal_reject(withdrawal=w, by=request.user, reason=reason),
        )

    @admin.action(description="登记人工打款…", permissions=["approve"])
    def record_manual(self, request, queryset):
        manual = queryset.filter(channel=PayoutChannel.MANUAL)
        form = ReferenceForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reference = form.cleaned_data["reference"]
            self._each(request, manual, lambda w: withdrawal_record_manual(withdrawal=w, by=request.user, reference=reference), "已登记")
            return None
        waiting = list(manual.filter(status__in=[WithdrawalStatus.PENDING, WithdrawalStatus.PAYING]).select_related("member").order_by("id"))
        if not waiting:
            self.message_user(request, "所选提现中没有待打款的人工打款提现", messages.WARNING)
            return None
        lines = payout_lines(waiting)
        return money_confirmation(
            self, request, action="record_manual", title="登记人工打款",
            intro="登记你已在线下转给分销员的款项：提现记为「已到账」，凭证记入提现单。请核对每笔金额与实际转账一致。",
            headers=PAYOUT_HEADERS, lines=lines, amount_header="应转金额（元）", total_label="转账合计",
            button="确认已打款并登记", skipped=queryset.count() - len(waiting), form=form,
        )

    def _ask_then_each(self, request, queryset, form_class, action: str, title: str, done: str, act):
        """An action that needs a line of input: the form first, then `act` on each row."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._each(request, queryset, lambda withdrawal: act(withdrawal, **form.cleaned_data), done)
            return None
        context = {**self.admin_site.each_context(request), "title": title, "form": form, "objects": queryset, "action": action, "opts": self.model._meta}
        return TemplateResponse(request, "admin/distribution/action_form.html", context)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "member", "kind", "frozen_delta", "available_delta", "withdrawing_delta", "withdrawn_delta", "source_key"]
    list_filter = ["kind", "created_at"]
    search_fields = ["member__nickname", "=member__referral_code", "source_key"]
    list_select_related = ["member"]
    raw_id_fields = ["member", "commission", "withdrawal"]


class SkuCommissionForm(forms.ModelForm):
    level1_fen = YuanField(label="一级佣金（元/件）")
    level2_fen = YuanField(label="二级佣金（元/件）")

    class Meta:
        model = SkuCommission
        fields = "__all__"


@admin.register(SkuCommission)
class SkuCommissionAdmin(ModelAdmin):
    form = SkuCommissionForm
    list_display = ["sku", "level1", "level2"]
    search_fields = ["sku__product__title", "=sku__code"]
    raw_id_fields = ["sku"]
    list_select_related = ["sku__product"]

    @admin.display(description="一级（元/件）")
    def level1(self, rule):
        return format_yuan(rule.level1_fen)

    @admin.display(description="二级（元/件）")
    def level2(self, rule):
        return format_yuan(rule.level2_fen)
