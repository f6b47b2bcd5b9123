"""What campaigns do when other apps' events arrive (outbox subscribers)."""

from campaigns.services.gifts import FOLLOW_SCENE_PREFIX, follow_gift_give, invitation_record, referral_gift_give
from mall.models import ORDER_COMPLETED, Order
from members.models import Member
from outbox.services import subscriber
from wechat.models import ACCOUNT_EVENT

# --- Social gifts -----------------------------------------------------------------------
# distribution publishes "referral.bound" (member_id, referrer_id) when a shopper is bound
# to the sharer who brought them; campaigns and distribution know nothing of each other,
# so the event's name and payload are the whole contract.
REFERRAL_BOUND = "referral.bound"


@subscriber(ACCOUNT_EVENT, name="campaigns.follow_gift")
def follow_gift(event):
    payload = event.payload
    if payload["kind"] in ("subscribe", "scan") and payload.get("scene", "").startswith(FOLLOW_SCENE_PREFIX):
        member, _ = Member.objects.get_or_create(openid=payload["openid"], defaults={"username": f"wx_{payload['openid']}"[:150]})
        follow_gift_give(member_id=member.pk, scene=payload["scene"])


@subscriber(REFERRAL_BOUND, name="campaigns.record_invitation")
def record_invitation(event):
    invitation_record(invitee_id=event.payload["member_id"], inviter_id=event.payload["referrer_id"])


@subscriber(ORDER_COMPLETED, name="campaigns.referral_gift")
def referral_gift(event):
    referral_gift_give(order=Order.objects.get(pk=event.payload["order_id"]))
