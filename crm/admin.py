import json
import logging

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from unfold.admin import ModelAdmin

from config.admin_tools import exports_needing, thumbnail
from config.money import format_yuan
from crm.models import Channel
from crm.selectors import member_personal_data, workbench_figures
from crm.services.personal_data import member_erase_personal_data
from members.models import Member
from members.selectors import active_attributes
from wechat.qrcodes import QrcodeError, create_scene_qrcode

logger = logging.getLogger(__name__)
PERSONAL_DATA_BATCH = 50  # data requests come one person at a time; this bounds a slip of the checkbox


def workbench(request, context):
    """The admin home as a workbench (unfold's DASHBOARD_CALLBACK): today's figures and
    the queues waiting on someone, each a link to its list already filtered. An operator
    sees only the figures of lists they may open."""

    def may_open(model_label: str) -> bool:
        app_label, model = model_label.split(".")
        return request.user.has_perm(f"{app_label}.view_{model}") or request.user.has_perm(f"{app_label}.change_{model}")

    def link(url_name: str, **query) -> str:
        return f"{reverse(url_name)}?{urlencode(query)}" if query else reverse(url_name)

    figures = workbench_figures()
    day = {"start": str(figures["day_start"]), "end": str(figures["day_end"])}
    orders, members = "admin:mall_order_changelist", "admin:members_member_changelist"
    today = []
    if may_open("mall.order"):
        paid_today = link(orders, paid_at__gte=day["start"], paid_at__lt=day["end"])
        today += [
            {"title": "今日销售额（元）", "value": format_yuan(figures["sales_fen"]), "link": paid_today,
             "note": "今天付款的订单：微信支付 + 余额"},
            {"title": "今日订单", "value": figures["orders_placed"], "link": link(orders, created_at__gte=day["start"], created_at__lt=day["end"]),
             "note": "今天下单，含未付款"},
            {"title": "今日付款会员", "value": figures["paying_members"], "link": paid_today, "note": "今天有订单付款的会员"},
        ]
    if may_open("members.member"):
        today.append({"title": "今日新会员", "value": figures["new_members"],
                      "link": link(members, date_joined__gte=day["start"], date_joined__lt=day["end"]), "note": "今天注册的会员"})
    queues = [
        {"title": "待发货", "value": figures["to_ship"], "link": link(orders, status__exact="paid"), "model": "mall.order",
         "note": "已付款，等待发货的订单"},
        {"title": "待审核售后", "value": figures["refunds_waiting"], "link": link("admin:mall_refund_changelist", status__exact="requested"),
         "model": "mall.refund", "note": "买家申请退款，等待财务审核"},
        {"title": "待审核提现", "value": figures["withdrawals_waiting"],
         "link": link("admin:distribution_withdrawal_changelist", status__exact="pending"), "model": "distribution.withdrawal",
         "note": "分销员申请提现，等待财务审核"},
        {"title": "卡住的事件投递", "value": figures["stuck_deliveries"], "link": link("admin:outbox_delivery_changelist", stuck="yes"),
         "model": "outbox.delivery", "note": "失败过或超过 5 分钟未投递"},
    ]
    context.update({
        "workbench_day": figures["day_start"],
        "workbench_today": today,
        "workbench_queues": [queue for queue in queues if may_open(queue["model"])],
    })
    return context


@admin.register(Member)
class MemberAdmin(ModelAdmin):
    """Shoppers and their marketing data. No account fields at all: staff and superuser
    flags, groups and passwords live in 运营账号, for superusers only."""

    list_display = ["avatar", "nickname", "phone", "gender", "region", "source_channel", "points", "balance_yuan", "date_joined", "last_login"]
    list_display_links = ["avatar", "nickname"]
    list_filter = ["is_subscribed", "is_active", "gender", "province", "source_channel", "date_joined"]
    search_fields = ["nickname", "phone", "openid", "unionid", "referral_code"]
    ordering = ["-date_joined"]
    formfield_overrides = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}
    list_per_page = 50
    # Members' phones and openids in bulk: only with the personal-data export permission.
    actions = [*exports_needing("export"), "export_personal_data", "erase_personal_data"]
    # Never typed here: points and balance move only with their ledgers; WeChat owns the
    # nickname and avatar (refreshed at each login); the source channel is where the member
    # came from, the base of channel statistics.
    readonly_fields = [
        "nickname", "avatar_url", "source_channel", "openid", "unionid", "referral_code", "points", "balance_yuan", "date_joined", "last_login", "avatar_large", "profile",
        "is_subscribed", "subscribed_at", "unsubscribed_at", "erased_at",
    ]
    fieldsets = [
        ("微信资料", {"fields": ["avatar_large", "nickname", "openid", "unionid", "avatar_url", "gender", "province", "city"]}),
        ("会员", {"fields": ["phone", "source_channel", "referral_code", "points", "balance_yuan", "profile"]}),
        ("公众号", {"fields": ["is_subscribed", "subscribed_at", "unsubscribed_at"]}),
        ("时间", {"fields": ["date_joined", "last_login", "erased_at"]}),
    ]
    export_fields = [
        ("ID", "id"),
        ("昵称", "nickname"),
        ("openid", "openid"),
        ("手机号", "phone"),
        ("性别", lambda m: m.get_gender_display()),
        ("省份", "province"),
        ("城市", "city"),
        ("来源渠道", "source_channel"),
        ("积分", "points"),
        ("余额（元）", lambda m: format_yuan(m.balance_fen)),
        ("推荐码", "referral_code"),
        ("注册时间", "date_joined"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_staff=False, is_superuser=False)

    def has_export_permission(self, request):
        return request.user.has_perm("members.export_member")

    def has_erase_permission(self, request):
        return request.user.has_perm("members.erase_member")

    @admin.action(description="导出个人信息（本人查阅、复制请求）", permissions=["export"])
    def export_personal_data(self, request, queryset):
        members = list(queryset[:PERSONAL_DATA_BATCH])
        body = json.dumps([member_personal_data(member=member) for member in members], ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="personal-data-{stamp}.json"'
        logger.info("operator %s exported the personal data of members %s", request.user.pk, [m.pk for m in members])
        return response

    @admin.action(description="删除个人信息（本人删除请求，不可撤销）…", permissions=["erase"])
    def erase_personal_data(self, request, queryset):
        members = list(queryset.filter(erased_at__isnull=True)[:PERSONAL_DATA_BATCH])
        if "apply" not in request.POST:
            context = {**self.admin_site.each_context(request), "title": "删除会员个人信息", "members": members, "opts": self.model._meta}
            return TemplateResponse(request, "admin/members/member/erase.html", context)
        for member in members:
            member_erase_personal_data(member=member)
        logger.info("operator %s erased the personal data of members %s", request.user.pk, [m.pk for m in members])
        self.message_user(request, f"已删除 {len(members)} 位会员的个人信息；订单作为交易记录保留，收货信息已打码", messages.SUCCESS)
        return None

    def has_add_permission(self, request):
        return False  # members come from WeChat

    def has_delete_permission(self, request, obj=None):
        return False  # orders and ledgers point at them; erasing personal data is an action

    @admin.display(description="头像")
    def avatar(self, member):
        return thumbnail(member.avatar_url, 32)

    @admin.display(description="头像")
    def avatar_large(self, member):
        return thumbnail(member.avatar_url, 96)

    @admin.display(description="自定义资料")
    def profile(self, member):
        attributes = active_attributes()
        shown = [
            f"{attributes[key].label}：{value}{attributes[key].unit}"
            for key, value in member.attributes.items()
            if key in attributes
        ]
        return "；".join(shown) or "—"

    @admin.display(description="地区", ordering="province")
    def region(self, member):
        return f"{member.province} {member.city}".strip() or "—"

    @admin.display(description="余额（元）", ordering="balance_fen")
    def balance_yuan(self, member):
        return format_yuan(member.balance_fen)


@admin.register(Channel)
class ChannelAdmin(ModelAdmin):
    list_display = ["name", "code", "kind", "qr_preview", "members", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    readonly_fields = ["qr_preview_large", "qr_ticket", "qr_url", "qr_image_url", "created_at"]
    actions = ["make_qrcodes"]

    def get_queryset(self, request):
        brought = Member.objects.filter(source_channel=OuterRef("code")).order_by().values("source_channel").annotate(n=Count("id")).values("n")
        return super().get_queryset(request).annotate(member_count=Subquery(brought))

    @admin.display(description="带来的会员", ordering="member_count")
    def members(self, channel):
        return channel.member_count or 0

    @admin.display(description="二维码")
    def qr_preview(self, channel):
        return thumbnail(channel.qr_image_url, 48)

    @admin.display(description="二维码")
    def qr_preview_large(self, channel):
        return thumbnail(channel.qr_image_url, 200)

    @admin.action(description="生成公众号带参二维码", permissions=["change"])
    def make_qrcodes(self, request, queryset):
        made = 0
        for channel in queryset:
            try:
                qr = create_scene_qrcode(channel.scene)
            except QrcodeError as exc:
                self.message_user(request, f"「{channel}」生成失败：{exc}", messages.ERROR)
                continue
            Channel.objects.filter(pk=channel.pk).update(qr_ticket=qr.ticket, qr_url=qr.url, qr_image_url=qr.image_url)
            made += 1
        if made:
            self.message_user(request, f"已生成 {made} 个二维码；扫码关注的会员会记入对应渠道", messages.SUCCESS)
