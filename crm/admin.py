from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import models

from config.admin_tools import export_csv, export_xlsx, thumbnail
from config.money import format_yuan
from crm.models import Member


@admin.register(Member)
class MemberAdmin(UserAdmin):
    list_display = ["avatar", "nickname", "phone", "gender", "region", "source_channel", "points", "balance_yuan", "date_joined", "last_login", "is_staff"]
    list_display_links = ["avatar", "nickname"]
    list_filter = ["is_staff", "is_active", "gender", "province", "source_channel", "date_joined", "groups"]
    search_fields = ["nickname", "phone", "openid", "unionid", "referral_code", "username"]
    ordering = ["-date_joined"]
    formfield_overrides = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}
    list_per_page = 50
    actions = [export_csv, export_xlsx]
    # Points and balance only move through their own ledgers, never by typing here.
    readonly_fields = ["openid", "unionid", "referral_code", "points", "balance_yuan", "date_joined", "last_login", "avatar_large"]
    fieldsets = [
        ("微信资料", {"fields": ["avatar_large", "nickname", "openid", "unionid", "avatar_url", "gender", "province", "city"]}),
        ("会员", {"fields": ["phone", "source_channel", "referral_code", "points", "balance_yuan"]}),
        ("运营账号", {"fields": ["username", "password", "first_name", "email", "is_active", "is_staff", "is_superuser", "groups"], "classes": ["collapse"]}),
        ("时间", {"fields": ["date_joined", "last_login"]}),
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

    @admin.display(description="头像")
    def avatar(self, member):
        return thumbnail(member.avatar_url, 32)

    @admin.display(description="头像")
    def avatar_large(self, member):
        return thumbnail(member.avatar_url, 96)

    @admin.display(description="地区", ordering="province")
    def region(self, member):
        return f"{member.province} {member.city}".strip() or "—"

    @admin.display(description="余额（元）", ordering="balance_fen")
    def balance_yuan(self, member):
        return format_yuan(member.balance_fen)
