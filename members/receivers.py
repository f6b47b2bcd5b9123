"""What members keep from the official account: who follows now, and since when. A
follower who never opened the store still becomes a member (by openid), so fan growth
counts them."""

from django.utils import timezone

from members.models import Member
from outbox.services import subscriber
from wechat.models import ACCOUNT_EVENT


@subscriber(ACCOUNT_EVENT, name="members.follow")
def follow(event):
    kind, openid = event.payload["kind"], event.payload["openid"]
    if kind not in ("subscribe", "unsubscribe", "scan"):
        return
    member, _ = Member.objects.get_or_create(openid=openid, defaults={"username": f"wx_{openid}"[:150]})
    now = timezone.now()
    if kind == "subscribe":
        Member.objects.filter(pk=member.pk).update(is_subscribed=True, subscribed_at=now)
    elif kind == "unsubscribe":
        Member.objects.filter(pk=member.pk).update(is_subscribed=False, unsubscribed_at=now)
