"""What the official account tells the CRM: who follows, who left, which QR code they
scanned. A follower who never opened the store still becomes a member (by openid),
so fan growth and channels count them."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm.models import CHANNEL_SCENE_PREFIX, REFERRAL_SCENE_PREFIX, Channel
from distribution.models import Referral
from distribution.services.binding import binding_apply
from mall.models import ShopSettings
from members.models import Member


@transaction.atomic
def on_account_event(sender, openid: str, kind: str, scene: str, content: str, **kwargs) -> str:
    """Receiver of wechat.signals.account_event; returns the text to reply with, if any."""
    if kind not in ("subscribe", "unsubscribe", "scan"):
        return ""
    member, _ = Member.objects.get_or_create(openid=openid, defaults={"username": f"wx_{openid}"[:150]})
    now = timezone.now()
    if kind == "subscribe":
        Member.objects.filter(pk=member.pk).update(is_subscribed=True, subscribed_at=now)
    elif kind == "unsubscribe":
        Member.objects.filter(pk=member.pk).update(is_subscribed=False, unsubscribed_at=now)
    if scene.startswith(REFERRAL_SCENE_PREFIX):
        binding_apply(member=member, code=scene[len(REFERRAL_SCENE_PREFIX):], source=Referral.Source.QRCODE)
    if scene.startswith(CHANNEL_SCENE_PREFIX):
        channel = Channel.objects.filter(code=scene[len(CHANNEL_SCENE_PREFIX):]).first()
        if channel is not None:
            # First touch wins: the channel that brought a member stays their source.
            Member.objects.filter(pk=member.pk, source_channel="").update(source_channel=channel.code)
    if kind == "subscribe":
        shop = ShopSettings.load()
        return f"欢迎关注{shop.shop_name}！好物每日上新，点这里进入商城：{settings.SITE_URL}/"
    return ""
