"""The CRM's writes to the member row itself: who an openid is, and where they came from."""

from members.models import Member


def member_for_openid(*, openid: str) -> Member:
    """The member WeChat knows by `openid`, made on first sight: a QR scan or a message to
    the official account may come before the member ever opens the shop."""
    member, _ = Member.objects.get_or_create(openid=openid, defaults={"username": f"wx_{openid}"[:150]})
    return member


def member_source_set(*, member_id: int, channel_code: str) -> bool:
    """Make `channel_code` the member's source unless they have one: first touch wins. One
    guarded UPDATE, so a short-link click and a QR scan racing set it once and never
    overwrite it. True when this call set it."""
    return bool(Member.objects.filter(pk=member_id, source_channel="").update(source_channel=channel_code))
