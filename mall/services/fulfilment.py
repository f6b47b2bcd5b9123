"""Goods out: shipping, the shopper's confirmation, automatic completion."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from mall.models import ActorKind, Carrier, Order, OrderStatus, ShopSettings
from mall.services.transitions import order_transition, orders_transition_due


@transaction.atomic
def order_ship(*, order: Order, carrier: str, tracking_number: str, by) -> Order:
    order = order_transition(
        order=order,
        to=OrderStatus.SHIPPED,
        actor=by,
        actor_kind=ActorKind.OPERATOR,
        reason=f"发货：{Carrier(carrier).label} {tracking_number}",
        shipped_at=timezone.now(),
        carrier=carrier,
        tracking_number=tracking_number,
    )
    return order


def _completion_fields(now) -> dict:
    """Completing starts the after-sales window in force today."""
    return {"completed_at": now, "after_sales_deadline": now + timedelta(days=ShopSettings.get_solo().after_sales_days)}


@transaction.atomic
def order_confirm_receipt(*, order: Order, member) -> Order:
    order = order_transition(
        order=order,
        to=OrderStatus.COMPLETED,
        actor=member,
        actor_kind=ActorKind.SHOPPER,
        reason="确认收货",
        **_completion_fields(timezone.now()),
    )
    return order


def orders_complete_due(*, now=None, batch_size: int = 500) -> int:
    """Complete orders shipped longer ago than the operator's automatic-completion days."""
    now = now or timezone.now()
    days = ShopSettings.get_solo().auto_complete_days
    return orders_transition_due(
        due=Order.objects.filter(status=OrderStatus.SHIPPED, shipped_at__lte=now - timedelta(days=days)),
        to=OrderStatus.COMPLETED,
        reason=f"发货 {days} 天后自动确认收货",
        fields=_completion_fields(now),
        batch_size=batch_size,
    )
