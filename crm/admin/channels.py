from django.contrib import admin, messages
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.html import format_html
from unfold.admin import ModelAdmin, TabularInline

from config.admin_tools import thumbnail
from config.money import format_yuan
from crm.models import Channel, ShortLink
from crm.selectors import channels_with_figures
from crm.services.links import short_link_create, short_link_url
from wechat.qrcodes import QrcodeError, create_scene_qrcode

# Where a channel's own short link leads when the operator names nothing else.
CHANNEL_LINK_TARGET = "/"


def copyable_url(url: str):
    """The URL in a read-only box with a 复制 button (unfold's Alpine.js; no inline script)."""
    return format_html(
        '<span class="flex items-center gap-2"><input type="text" readonly value="{}" size="34" '
        'class="border border-base-200 rounded-default px-2 py-1 font-mono text-sm" x-data @focus="$el.select()">'
        '<button type="button" class="text-primary-600 whitespace-nowrap" x-data="{{done: false}}" '
        '@click="navigator.clipboard.writeText($el.previousElementSibling.value); done = true" '
        'x-text="done ? \'已复制\' : \'复制\'">复制</button></span>',
        url,
    )


class ShortLinkInline(TabularInline):
    """The channel's links with their clicks; links are made by the action or in 短链接."""

    model = ShortLink
    fields = ["url", "target", "click_count", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "短链接"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="短链接")
    def url(self, link):
        return copyable_url(short_link_url(link=link))


@admin.register(Channel)
class ChannelAdmin(ModelAdmin):
    list_display = ["name", "code", "kind", "qr_preview", "members", "followers", "buyers", "sales", "clicks", "link", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    readonly_fields = [
        "qr_preview_large", "qr_ticket", "qr_url", "qr_image_url", "link", "members", "followers", "buyers", "sales", "clicks", "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "code", "kind", "created_at"]}),
        ("二维码与短链接", {"fields": ["qr_preview_large", "link", "qr_url", "qr_ticket", "qr_image_url"]}),
        ("渠道效果", {"fields": ["members", "followers", "buyers", "sales", "clicks"],
                  "description": "带来的会员：来源记为本渠道的会员（首次扫码或点击为准）；成交按购买统计的实付金额（已扣退款）。"}),
    ]
    inlines = [ShortLinkInline]
    actions = ["make_qrcodes", "make_links"]

    def get_queryset(self, request):
        first_link = ShortLink.objects.filter(channel=OuterRef("pk")).order_by("id").values("code")[:1]
        return channels_with_figures(super().get_queryset(request)).annotate(link_code=Subquery(first_link))

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:
                short_link_create(target=CHANNEL_LINK_TARGET, channel=obj)

    @admin.display(description="带来的会员", ordering="member_count")
    def members(self, channel):
        return channel.member_count

    @admin.display(description="其中关注公众号", ordering="follower_count")
    def followers(self, channel):
        return channel.follower_count

    @admin.display(description="付费会员", ordering="buyer_count")
    def buyers(self, channel):
        return channel.buyer_count

    @admin.display(description="成交（元）", ordering="sales_fen")
    def sales(self, channel):
        return format_yuan(channel.sales_fen)

    @admin.display(description="短链接点击", ordering="click_count")
    def clicks(self, channel):
        return channel.click_count

    @admin.display(description="短链接")
    def link(self, channel):
        if not channel.link_code:
            return "—（用「生成短链接」）"
        return copyable_url(short_link_url(link=ShortLink(code=channel.link_code)))

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

    @admin.action(description="生成短链接（已有的不变）", permissions=["change"])
    def make_links(self, request, queryset):
        missing = list(queryset.filter(links__isnull=True))
        for channel in missing:
            short_link_create(target=CHANNEL_LINK_TARGET, channel=channel)
        self.message_user(request, f"已为 {len(missing)} 个渠道生成短链接；点击的会员会记入对应渠道", messages.SUCCESS)
