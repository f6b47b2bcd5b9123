import json
import logging

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from unfold.admin import ModelAdmin

from config.admin_tools import thumbnail
from config.money import format_yuan
from crm.admin.member_import import MemberImportMixin
from crm.admin.member_record import MemberRecordMixin
from crm.admin.member_tags import MemberTagsMixin
from crm.selectors import member_personal_data
from crm.services.personal_data import member_erase_personal_data
from members.models import Member
from members.selectors import active_attributes

logger = logging.getLogger(__name__)
PERSONAL_DATA_BATCH = 50  # data requests come one person at a time; this bounds a slip of the checkbox


@admin.register(Member)
class MemberAdmin(MemberImportMixin, MemberTagsMixin, MemberRecordMixin, ModelAdmin):
    """Shoppers and their marketing data. No account fields at all: staff and superuser
    flags, groups and passwords live in 运营账号, for superusers only."""

    list_display = ["avatar", "nickname", "phone", "gender", "region", "source_channel", "tag_names", "rfm", "points", "balance_yuan", "date_joined",
                    "last_login"]
    list_display_links = ["avatar", "nickname"]
    list_filter = ["is_subscribed", "is_active", "gender", "province", "source_channel", "date_joined"]
    search_fields = ["nickname", "phone", "openid", "unionid", "referral_code"]
    ordering = ["-date_joined"]
    formfield_overrides = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}
    list_per_page = 50
    # The member list's export (phones and openids in bulk) is MemberImportMixin's, guarded
    # by has_export_permission below like the personal-data export.
    actions = ["tag_members", "untag_members", "export_personal_data", "erase_personal_data"]
    # Never typed here: points and balance move only with their ledgers; WeChat owns the
    # nickname and avatar (refreshed at each login); the source channel is where the member
    # came from, the base of channel statistics.
    readonly_fields = [
        "nickname", "avatar_url", "source_channel", "openid", "unionid", "referral_code", "points", "balance_yuan", "date_joined", "last_login", "avatar_large", "profile", "rfm",
        "is_subscribed", "subscribed_at", "unsubscribed_at", "erased_at",
    ]
    fieldsets = [
        ("微信资料", {"fields": ["avatar_large", "nickname", "openid", "unionid", "avatar_url", "gender", "province", "city"]}),
        ("会员", {"fields": ["phone", "source_channel", "referral_code", "points", "balance_yuan", "profile", "rfm"]}),
        ("公众号", {"fields": ["is_subscribed", "subscribed_at", "unsubscribed_at"]}),
        ("时间", {"fields": ["date_joined", "last_login", "erased_at"]}),
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


