from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from unfold.admin import ModelAdmin

from config.admin_tools import thumbnail
from crm.models import Channel
from members.models import Member
from wechat.qrcodes import QrcodeError, create_scene_qrcode


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
