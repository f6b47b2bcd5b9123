"""Coupons in the back office (营销活动): templates an operator designs and watches (claimed
of total, used, the orders and sales they brought, one query per page), and every coupon
given out, read only, filtered and exported."""

from django import forms
from django.contrib import admin
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import display

from config.admin_tools import ReadOnlyAdmin, YuanField, export_csv, export_xlsx, short_time
from config.money import format_yuan
from mall.models import Coupon, CouponKind, CouponScope, CouponStatus, CouponTemplate, CouponValidity, OrderStatus
from mall.selectors import coupon_rule, coupon_shown_status

# Orders that stand and were paid for: what a coupon's sales are counted from.
SOLD_STATUSES = [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.REFUNDING]


class CouponTemplateForm(forms.ModelForm):
    amount_fen = YuanField(label="减免金额（元）", required=False, help_text="满减券：减多少")
    cap_fen = YuanField(label="最多减（元）", required=False, help_text="折扣券的封顶金额；留空不封顶")
    threshold_fen = YuanField(label="使用门槛（元）", required=False, help_text="适用商品满多少可用；0 或留空为无门槛")

    class Meta:
        model = CouponTemplate
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        errors = {}
        kind = cleaned.get("kind")
        cleaned["threshold_fen"] = cleaned.get("threshold_fen") or 0
        if kind == CouponKind.AMOUNT:
            if not cleaned.get("amount_fen"):
                errors["amount_fen"] = "满减券的减免金额必须大于 0"
            cleaned["percent_off"], cleaned["cap_fen"] = 0, None
        elif kind == CouponKind.PERCENT:
            percent = cleaned.get("percent_off")
            if percent is None or not 1 <= percent <= 99:
                errors["percent_off"] = "折扣券减去的百分比须在 1 到 99 之间（20 即 8 折）"
            if cleaned.get("cap_fen") == 0:
                errors["cap_fen"] = "封顶金额须大于 0；不封顶请留空"
            cleaned["amount_fen"] = 0
        cleaned["amount_fen"] = cleaned.get("amount_fen") or 0

        scope = cleaned.get("scope")
        if scope == CouponScope.CATEGORIES and not cleaned.get("categories"):
            errors["categories"] = "指定分类的券至少选一个分类（含其子分类）"
        if scope == CouponScope.PRODUCTS and not cleaned.get("products"):
            errors["products"] = "指定商品的券至少选一个商品"

        if cleaned.get("validity") == CouponValidity.FIXED:
            starts, ends = cleaned.get("valid_from"), cleaned.get("valid_until")
            if ends is None:
                errors["valid_until"] = "固定日期的券须填写失效时间"
            elif starts is not None and starts >= ends:
                errors["valid_until"] = "失效时间须晚于生效时间"
        elif cleaned.get("validity") == CouponValidity.DAYS and not cleaned.get("valid_days"):
            errors["valid_days"] = "领取后有效天数至少 1 天"

        claim_starts, claim_ends = cleaned.get("claim_starts_at"), cleaned.get("claim_ends_at")
        if claim_starts and claim_ends and claim_ends <= claim_starts:
            errors["claim_ends_at"] = "结束领取须晚于开始领取"

        total = cleaned.get("total")
        if total is not None and self.instance.pk and total < self.instance.claimed:
            errors["total"] = f"已发放 {self.instance.claimed} 张，发放总量不能少于此数"
        daily, limit = cleaned.get("per_member_daily_limit"), cleaned.get("per_member_limit")
        if daily is not None and daily < 1:
            errors["per_member_daily_limit"] = "每人每天限领至少 1 张；不限请留空"
        elif daily is not None and limit is not None and daily > limit:
            errors["per_member_daily_limit"] = "每人每天限领不能多于每人限领"
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


@admin.register(CouponTemplate)
class CouponTemplateAdmin(ModelAdmin):
    form = CouponTemplateForm
    list_display = [
        "title", "rule", "scope", "claimed_of_total", "used", "orders", "sales_yuan", "claim_window", "is_public", "is_active",
    ]
    list_filter = ["is_active", "is_public", "kind", "scope", "validity"]
    search_fields = ["title"]
    autocomplete_fields = ["categories", "products"]
    readonly_fields = ["claimed", "created_at"]
    actions = [export_csv, export_xlsx]
    fieldsets = [
        ("优惠", {"fields": ["title", "kind", "amount_fen", "percent_off", "cap_fen", "threshold_fen"]}),
        ("适用范围", {"fields": ["scope", "categories", "products"]}),
        ("有效期", {"fields": ["validity", "valid_days", "valid_from", "valid_until"]}),
        ("发放与限领", {"fields": ["total", "claimed", "per_member_limit", "per_member_daily_limit"]}),
        ("领券中心", {"fields": ["is_public", "claim_starts_at", "claim_ends_at", "is_active", "created_at"]}),
    ]
    export_fields = [
        ("名称", "title"),
        ("规则", coupon_rule),
        ("适用范围", lambda t: t.get_scope_display()),
        ("已发放", "claimed"),
        ("发放总量", lambda t: "不限" if t.total is None else t.total),
        ("已使用", "used_count"),
        ("订单数", "order_count"),
        ("销售额（元）", lambda t: format_yuan(t.sales_fen or 0)),
        ("启用", lambda t: "是" if t.is_active else "否"),
    ]

    def get_queryset(self, request):
        # One query for the page, however many templates: the figures are aggregates of
        # the coupons joined to their orders (a coupon has one order, so nothing doubles).
        sold = Q(coupons__status=CouponStatus.USED, coupons__order__status__in=SOLD_STATUSES)
        return super().get_queryset(request).annotate(
            used_count=Count("coupons", filter=Q(coupons__status=CouponStatus.USED)),
            order_count=Count("coupons__order", filter=sold, distinct=True),
            sales_fen=Sum(F("coupons__order__pay_fen") + F("coupons__order__balance_fen") - F("coupons__order__refunded_fen"), filter=sold),
        )

    @admin.display(description="规则")
    def rule(self, template):
        return coupon_rule(template)

    @admin.display(description="已领 / 总量", ordering="claimed")
    def claimed_of_total(self, template):
        return f"{template.claimed} / {'不限' if template.total is None else template.total}"

    @admin.display(description="已使用", ordering="used_count")
    def used(self, template):
        return template.used_count

    @admin.display(description="订单数", ordering="order_count")
    def orders(self, template):
        return template.order_count

    @admin.display(description="销售额（元）", ordering="sales_fen")
    def sales_yuan(self, template):
        return format_yuan(template.sales_fen or 0)

    @admin.display(description="领取时间")
    def claim_window(self, template):
        ends = timezone.localtime(template.claim_ends_at).strftime("%m-%d %H:%M") if template.claim_ends_at else "长期"
        return format_html('<span class="whitespace-nowrap">{} 起<br>{}</span>', timezone.localtime(template.claim_starts_at).strftime("%m-%d %H:%M"), ends)


class CouponShownStatusFilter(admin.SimpleListFilter):
    """未使用 / 已使用 / 已过期: "expired" is read from the date, never stored."""

    title = "状态"
    parameter_name = "shown_status"

    def lookups(self, request, model_admin):
        return [("unused", "未使用"), ("used", "已使用"), ("expired", "已过期")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "unused":
            return queryset.filter(status=CouponStatus.UNUSED, valid_until__gt=now)
        if self.value() == "used":
            return queryset.filter(status=CouponStatus.USED)
        if self.value() == "expired":
            return queryset.filter(status=CouponStatus.UNUSED, valid_until__lte=now)
        return queryset


SHOWN_STATUS = {"unused": ("未使用", "info"), "used": ("已使用", "success"), "expired": ("已过期", "danger")}


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    """Every coupon given out (claimed, or a campaign's prize): history, read only."""

    list_display = ["id", "template", "member_link", "status_label", "valid_until_short", "order_link", "used_at_short", "source_key", "claimed_at"]
    list_filter = [CouponShownStatusFilter, ("template", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["=id", "template__title", "member__nickname", "=order__number", "source_key"]
    list_select_related = ["template", "member", "order"]
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = [export_csv, export_xlsx]
    export_fields = [
        ("券 ID", "id"),
        ("优惠券", "template__title"),
        ("规则", lambda c: coupon_rule(c.template)),
        ("会员", lambda c: c.member.display_name),
        ("状态", lambda c: SHOWN_STATUS[coupon_shown_status(c)][0]),
        ("生效时间", "valid_from"),
        ("失效时间", "valid_until"),
        ("使用订单", lambda c: c.order.number if c.order_id else ""),
        ("使用时间", "used_at"),
        ("来源", "source_key"),
        ("领取时间", "created_at"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("template", "member", "order")

    @admin.display(description="会员", ordering="member__nickname")
    def member_link(self, coupon):
        return format_html('<a href="{}">{}</a>', reverse("admin:members_member_change", args=[coupon.member_id]), coupon.member.display_name)

    @display(description="状态", ordering="status", label={status: color for status, (_, color) in SHOWN_STATUS.items()})
    def status_label(self, coupon):
        status = coupon_shown_status(coupon)
        return status, SHOWN_STATUS[status][0]

    @admin.display(description="失效时间", ordering="valid_until")
    def valid_until_short(self, coupon):
        return short_time(coupon.valid_until)

    @admin.display(description="使用订单", ordering="order__number")
    def order_link(self, coupon):
        if not coupon.order_id:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:mall_order_change", args=[coupon.order_id]), coupon.order.number)

    @admin.display(description="使用时间", ordering="used_at")
    def used_at_short(self, coupon):
        return short_time(coupon.used_at)

    @admin.display(description="领取时间", ordering="created_at")
    def claimed_at(self, coupon):
        return short_time(coupon.created_at)
