"""What campaigns do when other apps' events arrive (outbox subscribers)."""

from campaigns.services.gifts import FOLLOW_SCENE_PREFIX, follow_gift_give, invitation_record, referral_gift_give
from campaigns.services.packets import RED_PACKET_GRABBED, red_packet_cash_send, share_packet_give
from campaigns.services.points import order_points_earn, order_points_take_back
from mall.models import ORDER_COMPLETED, ORDER_PAID, ORDER_REFUNDED, Order, Refund
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


# --- Points for shopping ----------------------------------------------------------------


@subscriber(ORDER_COMPLETED, name="campaigns.order_points")
def order_points(event):
    order_points_earn(order=Order.objects.get(pk=event.payload["order_id"]))


@subscriber(ORDER_REFUNDED, name="campaigns.order_points_back")
def order_points_back(event):
    refund = Refund.objects.select_related("order").get(pk=event.payload["refund_id"])
    order_points_take_back(order=refund.order, refund=refund)


# --- Red packets --------------------------------------------------------------------------


@subscriber(RED_PACKET_GRABBED, name="campaigns.red_packet_cash")
def red_packet_cash(event):
    """A grabbed share of a WeChat cash packet goes out here, after the grab committed;
    a WeChat failure raises and the outbox tries again (same merchant number, paid once)."""
    if event.payload.get("delivers") == "wechat_cash":
        red_packet_cash_send(share_id=event.payload["share_id"])


@subscriber(ORDER_PAID, name="campaigns.share_packet")
def share_packet(event):
    share_packet_give(order=Order.objects.select_related("member").get(pk=event.payload["order_id"]))
