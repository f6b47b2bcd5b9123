from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.db.models import Count, OuterRef, Subquery

from config.admin_tools import export_csv, export_xlsx, thumbnail
from config.money import format_yuan
from crm.models import Channel, Member, ProfileAttribute
from crm.profile_attributes import active_attributes
from wechat.qrcodes import QrcodeError, create_scene_qrcode


@admin.register(Member)
class MemberAdmin(UserAdmin):
    list_display = ["avatar", "nickname", "phone", "gender", "region", "source_channel", "points", "balance_yuan", "date_joined", "last_login", "is_staff"]
    list_display_links = ["avatar", "nickname"]
    list_filter = ["is_subscribed", "is_staff", "is_active", "gender", "province", "source_channel", "date_joined", "groups"]
    search_fields = ["nickname", "phone", "openid", "unionid", "referral_code", "username"]
    ordering = ["-date_joined"]
    formfield_overrides = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}
    list_per_page = 50
    actions = [export_csv, export_xlsx]
    # Points and balance only move through their own ledgers, never by typing here.
    readonly_fields = [
        "openid", "unionid", "referral_code", "points", "balance_yuan", "date_joined", "last_login", "avatar_large", "profile",
        "is_subscribed", "subscribed_at", "unsubscribed_at",
    ]
    fieldsets = [
        ("微信资料", {"fields": ["avatar_large", "nickname", "openid", "unionid", "avatar_url", "gender", "province", "city"]}),
        ("会员", {"fields": ["phone", "source_channel", "referral_code", "points", "balance_yuan", "profile"]}),
        ("公众号", {"fields": ["is_subscribed", "subscribed_at", "unsubscribed_at"]}),
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


class ChoicesField(forms.CharField):
    """Options typed one per line or comma-separated, kept as a list."""

    widget = forms.Textarea(attrs={"rows": 2, "placeholder": "干性, 油性, 混合, 敏感"})

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def clean(self, value):
        text = (super().clean(value) or "").replace("，", ",").replace("\n", ",")
        options = [option.strip() for option in text.split(",") if option.strip()]
        if len(set(options)) != len(options):
            raise forms.ValidationError("选项有重复")
        return options


class ProfileAttributeForm(forms.ModelForm):
    choices = ChoicesField(label="可选值", required=False, help_text="单选类型的选项，用逗号分隔")

    class Meta:
        model = ProfileAttribute
        fields = "__all__"


@admin.register(ProfileAttribute)
class ProfileAttributeAdmin(admin.ModelAdmin):
    form = ProfileAttributeForm
    list_display = ["label", "key", "kind", "choice_list", "unit", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["kind", "is_active"]
    search_fields = ["label", "key"]

    @admin.display(description="可选值")
    def choice_list(self, attribute):
        return "、".join(attribute.choices) or "—"


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
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
