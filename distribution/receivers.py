"""What distribution does when orders move and shoppers arrive: snapshot who would earn
when an order is placed, earn when it is paid, void when money goes back, check grades
when it completes, bind shoppers who came through a sharer's link, poster or QR code.

Each runs as an outbox delivery (at least once, its effect at most once): the services
are idempotent (unique keys, guarded updates), so a retry after a failure is harmless.
"""

from distribution.models import REFERRAL_BOUND, REFERRAL_LINK_FOLLOWED, OrderReferral, Referral
from distribution.services.binding import binding_apply
from distribution.services.commissions import commissions_earn, commissions_void, order_snapshot
from distribution.services.distributors import distributor_promote_by_spend, distributors_upgrade
from mall.models import ORDER_COMPLETED, ORDER_CREATED, ORDER_PAID, ORDER_REFUNDED, Order
from members.models import Member
from outbox.services import publish, subscriber
from wechat.models import ACCOUNT_EVENT

# A QR scene "ref_<referral code>" is a sharer's own code: following through it binds.
REFERRAL_SCENE_PREFIX = "ref_"


def _order(event) -> Order:
    return Order.objects.select_related("member").get(pk=event.payload["order_id"])


@subscriber(ORDER_CREATED, name="distribution.snapshot_referrers")
def snapshot_referrers(event):
    order_snapshot(order=_order(event))


@subscriber(ORDER_PAID, name="distribution.earn_commissions")
def earn_commissions(event):
    order = _order(event)
    commissions_earn(order=order)
    distributor_promote_by_spend(member=order.member)


@subscriber(ORDER_REFUNDED, name="distribution.void_commissions")
def void_commissions(event):
    commissions_void(order=_order(event))


@subscriber(ORDER_COMPLETED, name="distribution.check_grades")
def check_grades(event):
    """A completed order can lift the buyer (own spend) and their sharer (team spend)."""
    order = _order(event)
    sharer = OrderReferral.objects.filter(order=order).values_list("level1_id", flat=True).first()
    distributors_upgrade(member_ids={order.member_id, *([sharer] if sharer else [])})


@subscriber(REFERRAL_BOUND, name="distribution.check_sharer_grade")
def check_sharer_grade(event):
    """A new customer can lift the sharer to a higher grade (team size)."""
    distributors_upgrade(member_ids={event.payload["referrer_id"]})


@subscriber(REFERRAL_LINK_FOLLOWED, name="distribution.bind_from_link")
def bind_from_link(event):
    member = Member.objects.get(pk=event.payload["member_id"])
    source = event.payload.get("source")
    binding_apply(member=member, code=str(event.payload.get("code", ""))[:16],
                  source=source if source in (Referral.Source.POSTER, Referral.Source.LINK) else Referral.Source.LINK)


@subscriber(ACCOUNT_EVENT, name="distribution.bind_from_qrcode")
def bind_from_qrcode(event):
    scene, openid = event.payload.get("scene", ""), event.payload["openid"]
    if event.payload["kind"] in ("subscribe", "scan") and scene.startswith(REFERRAL_SCENE_PREFIX):
        member, _ = Member.objects.get_or_create(openid=openid, defaults={"username": f"wx_{openid}"[:150]})
        binding_apply(member=member, code=scene[len(REFERRAL_SCENE_PREFIX):], source=Referral.Source.QRCODE)


def on_login(sender, request, user, **kwargs):
    """Django's login signal: the sharer whose link this browser came through, kept in a
    signed cookie until now, is recorded as an outbox event, and bound by its subscriber."""
    from distribution.middleware import pending_referral

    pending = pending_referral(request)
    if pending is not None:
        publish(REFERRAL_LINK_FOLLOWED, member_id=user.pk, **pending)
        request.referral_applied = True
