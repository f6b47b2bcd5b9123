"""Points for shopping (购物积分): a completed order earns floor(paid yuan × points per yuan),
and a refund after completion takes back its proportional part.

Both run as outbox deliveries (at least once, in any order), so each amount is worked out
from the order alone, never from what ran before:

- earned = floor((paid total − refunds asked before completion) × rate / 100), booked once
  under "order:<id>:completed";
- a refund asked for on the completed order takes kept(before) − kept(after), where kept(r)
  = floor(earned × (base − r) / base) and r is what such refunds returned up to (before) or
  including (after) this one, in the order they were asked for (one is open at a time). The
  parts add up: an order refunded in full gives back exactly what it earned. Each is booked
  once under "order:<id>:refund:<refund id>".

"Before completion" is the refund's own record of the order's status when it was asked for
(an order cannot complete while a refund is open), not a comparison of times: WeChat
reports a refund's success to the second, which can read as before the completion. (A
refund given up before completion that WeChat completes anyway after it is counted as
before; it never earned points only if the completion was handled after it went through.)

A refund handled before the completion's points were booked takes nothing then; the
completion books the earned points and then the take-backs of refunds already through.

Never below zero: what the member already spent cannot be taken back. The take-back takes
what is there (the ledger row's note says how much it should have been); when nothing is
there, nothing is booked (the ledger has no zero rows) and the shortfall is logged.
"""

import logging

from django.db import transaction
from django.db.models import Sum

from campaigns.models import CampaignSettings
from mall.models import Order, OrderStatus, Refund, RefundStatus
from members.models import Member, PointsEntry, PointsReason
from members.services.points import points_move_once

logger = logging.getLogger(__name__)


def earned_key(order: Order) -> str:
    return f"order:{order.pk}:completed"


def refund_key(order: Order, refund: Refund) -> str:
    return f"order:{order.pk}:refund:{refund.pk}"


def _refunds(order: Order):
    return Refund.objects.filter(order=order, status=RefundStatus.REFUNDED)


def _after_completion(refund: Refund) -> bool:
    return refund.order_status_before == OrderStatus.COMPLETED


def _refunds_after_completion(order: Order):
    return _refunds(order).filter(order_status_before=OrderStatus.COMPLETED).order_by("pk")


def _base_fen(order: Order) -> int:
    """What the member paid and kept when the order completed."""
    before = _refunds(order).exclude(order_status_before=OrderStatus.COMPLETED).aggregate(total=Sum("amount_fen"))["total"] or 0
    return order.paid_total_fen - before


def order_points_earn(*, order: Order) -> int:
    """Book a completed order's points (once), then any take-backs of refunds that went
    through before this ran. The points booked now."""
    if order.completed_at is None:
        return 0
    earned = _base_fen(order) * CampaignSettings.get_solo().points_per_yuan // 100
    with transaction.atomic():
        booked = earned > 0 and points_move_once(member_id=order.member_id, amount=earned, reason=PointsReason.ORDER,
                                                 source_key=earned_key(order), note=f"订单 {order.number} 完成")
        for refund in _refunds_after_completion(order):
            order_points_take_back(order=order, refund=refund)
    return earned if booked else 0


def order_points_take_back(*, order: Order, refund: Refund) -> int:
    """Take back a refund's share of the order's points (once). The points taken now."""
    if order.completed_at is None or refund.status != RefundStatus.REFUNDED or not _after_completion(refund):
        return 0  # refunded before completion: those yuan never earned points
    earned = PointsEntry.objects.filter(source_key=earned_key(order)).values_list("amount", flat=True).first()
    if not earned:
        return 0  # nothing earned, or not booked yet: the completion takes it back when it books
    base = _base_fen(order)
    if base <= 0:
        return 0
    before = 0
    for pk, amount in _refunds_after_completion(order).values_list("pk", "amount_fen"):
        if pk == refund.pk:
            break
        before += amount
    due = earned * max(0, base - before) // base - earned * max(0, base - before - refund.amount_fen) // base
    if due <= 0:
        return 0
    key = refund_key(order, refund)
    with transaction.atomic():
        # Held so the points read here are still there when taken (the ledger's guard
        # would refuse a take larger than the balance rather than take what is there).
        points = Member.objects.select_for_update(no_key=True).filter(pk=order.member_id).values_list("points", flat=True).get()
        if PointsEntry.objects.filter(source_key=key).exists():
            return 0
        taken = min(due, points)
        if taken <= 0:
            logger.warning("order %s refund %s: %s points due back, member %s has none left", order.number, refund.pk, due, order.member_id)
            return 0
        note = f"退款 {refund.out_refund_no}" + (f"（应扣 {due}，积分已用，实扣 {taken}）" if taken < due else "")
        moved = points_move_once(member_id=order.member_id, amount=-taken, reason=PointsReason.ORDER_REFUND, source_key=key, note=note)
    return taken if moved else 0
