from django import forms
from django.contrib import admin, messages
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.widgets import UnfoldAdminTextareaWidget

from config.admin_tools import MoneyLine, ReadOnlyAdmin, export_csv, export_xlsx, money_confirmation, short_time
from config.errors import InvalidStatus
from config.money import format_yuan
from mall.admin.exports import exports_prefetching, spec_text
from mall.models import Payment, Refund, RefundLine, RefundStatus, RefusedNotice
from mall.services.aftersales import refund_approve, refund_receive_return, refund_reject, refund_retry

REFUND_LABELS = {
    RefundStatus.REQUESTED: "warning",
    RefundStatus.RETURNING: "warning",
    RefundStatus.APPROVED: "info",
    RefundStatus.PROCESSING: "info",
    RefundStatus.REFUNDED: "success",
    RefundStatus.FAILED: "danger",
}


class RejectForm(forms.Form):
    reason = forms.CharField(label="拒绝原因（买家可见）", max_length=200, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))


def refund_items_text(refund) -> str:
    """What a request is about, as an operator reads it before deciding: 「仅退款：棉袜 灰 × 1」
    (the lines prefetched as `lines__order_line`), or the amount alone for a whole-order request."""
    items = "；".join(
        " ".join(part for part in (line.order_line.title, line.order_line.spec_label, f"× {line.quantity}") if part)
        for line in refund.lines.all()
    )
    return f"{refund.get_refund_type_display()}：{items or '按金额申请'}"


def with_items_text(refunds) -> list[Refund]:
    """The refunds a decision page lists, each with its `items_text`: confirming a return is
    checking the parcel against what was asked to come back."""
    refunds = list(refunds.select_related("order").prefetch_related("lines__order_line").order_by("id"))
    for refund in refunds:
        refund.items_text = refund_items_text(refund)
    return refunds


class ReturnReceivedForm(forms.Form):
    tracking_number = forms.CharField(label="退货快递单号（选填）", max_length=40, required=False)


@admin.register(Refund)
class RefundAdmin(ModelAdmin):
    """The after-sales queue: approve (the refund goes out through WeChat Pay), reject
    (the order returns to where it was), retry what WeChat refused."""

    # What the queue is decided on, narrow enough for a 1280 px screen; the refund number,
    # reviewer and times are on each request's page (and searchable).
    list_display = ["order_link", "member", "amount_yuan", "short_reason", "refund_type", "status_label", "requested_at"]
    list_filter = ["status", "refund_type", "kind", "created_at"]
    search_fields = ["=out_refund_no", "=order__number", "order__member__nickname", "order__receiver_phone"]
    list_select_related = ["order__member", "reviewed_by"]
    date_hierarchy = "created_at"
    actions = ["approve", "receive_return", "reject", "retry",
               *exports_prefetching(Prefetch("lines", RefundLine.objects.select_related("order_line__sku")))]
    readonly_fields = [
        "out_refund_no", "order_link", "kind", "refund_type", "amount_yuan", "items", "reason", "note", "photos", "status",
        "order_status_before", "restock", "requested_by", "reviewed_by", "reviewed_at", "reject_reason", "return_tracking_number",
        "wechat_refund_id", "submitted_at", "refunded_at", "failure_reason", "created_at",
    ]
    fields = readonly_fields
    export_fields = [
        ("退款单号", "out_refund_no"),
        ("订单号", "order__number"),
        ("金额（元）", lambda r: format_yuan(r.amount_fen)),
        ("类型", lambda r: r.get_refund_type_display()),
        ("原因", "reason"),
        ("补充说明", "note"),
        ("状态", lambda r: r.get_status_display()),
        ("申请时间", "created_at"),
        ("到账时间", "refunded_at"),
    ]
    # One row per item asked about (a request by amount alone has one row, its item columns empty).
    export_lines = ("lines", [
        ("货号", "order_line__sku__code"),
        ("商品", "order_line__title"),
        ("规格", lambda line: spec_text(line.order_line.spec)),
        ("售后数量", "quantity"),
    ])

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # every field is history; the money actions need approve_refund

    def has_approve_permission(self, request):
        return request.user.has_perm("mall.approve_refund")

    @admin.display(description="订单", ordering="order__number")
    def order_link(self, refund):
        return format_html('<a href="{}">{}</a>', reverse("admin:mall_order_change", args=[refund.order_id]), refund.order.number)

    @admin.display(description="买家")
    def member(self, refund):
        return refund.order.member.display_name

    @admin.display(description="金额（元）", ordering="amount_fen")
    def amount_yuan(self, refund):
        return format_yuan(refund.amount_fen)

    @admin.display(description="售后商品")
    def items(self, refund):
        lines = refund.lines.select_related("order_line")
        return format_html_join("", "<div>{} {} × {}</div>", ((line.order_line.title, line.order_line.spec_label, line.quantity) for line in lines)) or "按金额申请"

    @admin.display(description="凭证图片")
    def photos(self, refund):
        # Links open the full picture; thumbnails are the same file, shown small.
        return format_html_join(
            "", '<a href="{0}" target="_blank" rel="noopener"><img src="{0}" alt="凭证图片 {1}" style="height:96px;margin:0 8px 8px 0;border-radius:4px"></a>',
            ((photo.image.url, position) for position, photo in enumerate(refund.photos.all(), 1)),
        ) or "无"

    @admin.display(description="原因")
    def short_reason(self, refund):
        return refund.reason if len(refund.reason) <= 16 else f"{refund.reason[:15]}…"

    @admin.display(description="申请时间", ordering="created_at")
    def requested_at(self, refund):
        return short_time(refund.created_at)

    @display(description="状态", ordering="status", label=REFUND_LABELS)
    def status_label(self, refund):
        return refund.status, refund.get_status_display()

    def _each(self, request, queryset, statuses, act, done: str):
        eligible = list(queryset.filter(status__in=statuses))
        changed, skipped = 0, queryset.count() - len(eligible)
        for refund in eligible:
            try:
                act(refund)
                changed += 1
            except InvalidStatus:
                skipped += 1  # someone else decided first
        self.message_user(request, f"{done} {changed} 个{f'，跳过 {skipped} 个状态不符的申请' if skipped else ''}", messages.SUCCESS)

    @admin.action(description="同意退款（通过微信支付原路退回）…", permissions=["approve"])
    def approve(self, request, queryset):
        if "apply" in request.POST:
            self._each(request, queryset, [RefundStatus.REQUESTED], lambda refund: refund_approve(refund=refund, by=request.user), "已同意")
            return None
        waiting = list(
            queryset.filter(status=RefundStatus.REQUESTED).select_related("order__member").prefetch_related("lines__order_line").order_by("id")
        )
        if not waiting:
            self.message_user(request, "所选申请中没有待审核的退款", messages.WARNING)
            return None
        lines = [
            MoneyLine(refund.pk, (refund.order.number, refund.order.member.display_name, refund_items_text(refund), refund.reason,
                                  format_yuan(refund.balance_fen)), refund.amount_fen)
            for refund in waiting
        ]
        return money_confirmation(
            self, request, action="approve", title="确认同意退款",
            intro="同意后，退款立即通过微信支付原路退回（订单用余额支付的部分退回买家余额），不能撤回；退货退款的申请等收到退货后再退款。",
            headers=["订单号", "买家", "售后商品", "原因", "其中退回余额（元）"], lines=lines, total_label="退款合计",
            button=f"确认退款 ¥{format_yuan(sum(line.amount_fen for line in lines))}", skipped=queryset.count() - len(waiting),
        )

    @admin.action(description="确认收到退货并退款…", permissions=["approve"])
    def receive_return(self, request, queryset):
        form = ReturnReceivedForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            tracking_number = form.cleaned_data["tracking_number"]
            self._each(
                request, queryset, [RefundStatus.RETURNING],
                lambda refund: refund_receive_return(refund=refund, by=request.user, tracking_number=tracking_number), "已确认收货并退款",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "确认收到退货",
            "form": form,
            "refunds": with_items_text(queryset.filter(status=RefundStatus.RETURNING)),
            "opts": self.model._meta,
            "action": "receive_return",
            "intro": "确认已收到以下申请退回的商品，退款随即通过微信支付原路退回，不能撤回：",
            "button": "确认收货并退款",
            "variant": "primary",
        }
        return TemplateResponse(request, "admin/mall/refund/decision.html", context)

    @admin.action(description="重新提交失败的退款", permissions=["approve"])
    def retry(self, request, queryset):
        self._each(request, queryset, [RefundStatus.FAILED], lambda refund: refund_retry(refund=refund, by=request.user), "已重新提交")

    @admin.action(description="拒绝退款…", permissions=["approve"])
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(
                request, queryset, [RefundStatus.REQUESTED, RefundStatus.FAILED],
                lambda refund: refund_reject(refund=refund, by=request.user, reason=reason), "已拒绝",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "拒绝退款",
            "form": form,
            "refunds": with_items_text(queryset),
            "opts": self.model._meta,
            "action": "reject",
            "intro": "将拒绝以下售后申请，订单回到申请前的状态：",
            "button": "确认拒绝",
            "variant": "danger",
        }
        return TemplateResponse(request, "admin/mall/refund/decision.html", context)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """Money history: read only."""

    list_display = ["out_trade_no", "amount_yuan", "state", "transaction_id", "paid_at", "arrived_after_cancel", "created_at"]
    list_filter = ["state", "arrived_after_cancel", "created_at"]
    search_fields = ["=out_trade_no", "=transaction_id", "order__member__nickname"]
    date_hierarchy = "created_at"
    actions = [export_csv, export_xlsx]
    export_fields = [
        ("商户订单号", "out_trade_no"),
        ("金额（元）", lambda p: format_yuan(p.amount_fen)),
        ("状态", lambda p: p.get_state_display()),
        ("微信支付单号", "transaction_id"),
        ("支付时间", "paid_at"),
    ]

    @admin.display(description="金额（元）", ordering="amount_fen")
    def amount_yuan(self, payment):
        return format_yuan(payment.amount_fen)


@admin.register(RefusedNotice)
class RefusedNoticeAdmin(ReadOnlyAdmin):
    """Genuine WeChat notifications that did not fit our records: check each against
    the merchant platform (pay.weixin.qq.com) and settle it there."""

    list_display = ["last_at", "kind", "reference", "wechat_id", "amount_yuan", "reason", "times", "first_at"]
    list_filter = ["kind", "last_at"]
    search_fields = ["=reference", "=wechat_id"]
    date_hierarchy = "last_at"

    @admin.display(description="金额（元）", ordering="amount_fen")
    def amount_yuan(self, notice):
        return format_yuan(notice.amount_fen)
