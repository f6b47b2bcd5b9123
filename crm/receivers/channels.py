"""The channel whose QR code brought a member ("ch_<code>" scenes) becomes their source,
the first channel winning."""

from crm.models import CHANNEL_SCENE_PREFIX, Channel
from members.models import Member
from outbox.services import subscriber
from wechat.models import ACCOUNT_EVENT


@subscriber(ACCOUNT_EVENT, name="crm.channel_source")
def channel_source(event):
    scene, openid = event.payload.get("scene", ""), event.payload["openid"]
    if event.payload["kind"] not in ("subscribe", "scan") or not scene.startswith(CHANNEL_SCENE_PREFIX):
        return
    channel = Channel.objects.filter(code=scene[len(CHANNEL_SCENE_PREFIX):]).first()
    if channel is None:
        return
    member, _ = Member.objects.get_or_create(openid=openid, defaults={"username": f"wx_{openid}"[:150]})
    Member.objects.filter(pk=member.pk, source_channel="").update(source_channel=channel.code)
