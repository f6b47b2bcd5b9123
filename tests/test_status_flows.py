"""Explicit transitions: one table per stateful model says which status may follow which,
and every service moves statuses through outbox.services.status_move, which obeys it."""

import re
from pathlib import Path

import pytest

from distribution.models import COMMISSION_FLOW, WITHDRAWAL_FLOW, CommissionStatus, WithdrawalStatus
from mall.models import ORDER_FLOW, REFUND_FLOW, Order, OrderStatus, RefundStatus
from outbox.models import Event
from outbox.services import status_move
from tests.factories import SKUFactory
from tests.journeys import place_order

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("flow, statuses", [
    (ORDER_FLOW, OrderStatus), (REFUND_FLOW, RefundStatus), (WITHDRAWAL_FLOW, WithdrawalStatus), (COMMISSION_FLOW, CommissionStatus),
])
def test_each_table_names_every_status_and_nothing_else(flow, statuses):
    assert flow.statuses() == set(statuses.values) == set(flow.moves)


def test_the_order_table_reads_as_the_shop_works():
    assert ORDER_FLOW.sources(OrderStatus.PAID) == {OrderStatus.PENDING_PAYMENT, OrderStatus.REFUNDING}
    assert ORDER_FLOW.sources(OrderStatus.REFUNDING) == {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED}
    assert not ORDER_FLOW.allows(OrderStatus.CANCELLED, OrderStatus.PAID)
    assert not ORDER_FLOW.allows(OrderStatus.PENDING_PAYMENT, OrderStatus.SHIPPED)


@pytest.mark.django_db
def test_a_move_the_table_forbids_changes_nothing_and_records_nothing(member_api):
    order = place_order(member_api, SKUFactory())
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    before = Event.objects.count()
    moved = status_move(Order.objects.filter(pk=order.pk), flow=ORDER_FLOW, to=OrderStatus.PAID, event="order.paid", payload={"order_id": order.pk})
    assert moved == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED and Event.objects.count() == before


@pytest.mark.django_db
def test_an_order_announces_moving_forward_and_not_going_back(member_api):
    from mall.models import ActorKind
    from mall.services.transitions import order_transition

    order = place_order(member_api, SKUFactory())
    order_transition(order=order, to=OrderStatus.PAID, actor=None, actor_kind=ActorKind.SYSTEM, reason="测试")
    order_transition(order=order, to=OrderStatus.REFUNDING, actor=None, actor_kind=ActorKind.SYSTEM, reason="测试")
    order_transition(order=order, to=OrderStatus.PAID, actor=None, actor_kind=ActorKind.SYSTEM, reason="测试")
    names = list(Event.objects.filter(payload__order_id=order.pk).order_by("id").values_list("name", flat=True))
    assert names == ["order.created", "order.paid"]  # refunding and back announce nothing
    assert list(order.events.values_list("to_status", flat=True)) == ["pending_payment", "paid", "refunding", "paid"]


def test_no_service_writes_these_statuses_around_the_tables():
    guarded = re.compile(r"\b(Order|Refund|Withdrawal|Commission)\.objects\b[^\n]*?\.update\(([^)]*)", re.S)
    for path in [*ROOT.glob("mall/**/*.py"), *ROOT.glob("distribution/**/*.py"), *ROOT.glob("crm/**/*.py")]:
        if "migrations" in path.parts:
            continue
        for match in guarded.finditer(path.read_text()):
            assert not re.search(r"\bstatus=", match.group(2)), f"{path}: {match.group(0)[:120]}"
