"""The channel whose QR code brought a member ("ch_<code>" scenes) becomes their source,
the first channel winning."""

from crm.models import CHANNEL_SCENE_PREFIX, Channel
from crm.services.members import member_for_openid, member_source_set
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
    member_source_set(member_id=member_for_openid(openid=openid).pk, channel_code=channel.code)
