"""Explicit transitions: one table per stateful model says which status may follow which,
and every service moves statuses through outbox.services.status_move, which obeys it."""

import re
from pathlib import Path

import pytest
from django.db import connection

from distribution.models import COMMISSION_FLOW, WITHDRAWAL_FLOW, CommissionStatus, WithdrawalStatus
from mall.models import ORDER_FLOW, REFUND_FLOW, Order, OrderStatus, RefundStatus
from outbox.models import Event
from outbox.services import SUBSCRIBERS, status_move, status_move_sql
from tests.factories import SKUFactory
from tests.helpers import requires_postgres
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


def move_in_one_statement(order, *, to, only_from=None) -> int:
    items, params = status_move_sql(
        Order, pk=order.pk, flow=ORDER_FLOW, to=to, only_from=only_from, event="order.paid", payload={"order_id": order.pk}
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {items} SELECT count(*) FROM moved", params)
        return cursor.fetchone()[0]


@requires_postgres
@pytest.mark.django_db
def test_a_move_in_one_statement_writes_its_event_and_deliveries_only_when_the_row_moved(member_api):
    order = place_order(member_api, SKUFactory())
    assert move_in_one_statement(order, to=OrderStatus.PAID) == 1
    assert move_in_one_statement(order, to=OrderStatus.PAID) == 0  # paid already: the guard fails
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    event = Event.objects.get(name="order.paid", payload={"order_id": order.pk})
    assert sorted(event.deliveries.values_list("subscriber", flat=True)) == sorted(SUBSCRIBERS["order.paid"])


@requires_postgres
@pytest.mark.django_db
@pytest.mark.parametrize("status, only_from", [(OrderStatus.CANCELLED, None), (OrderStatus.PENDING_PAYMENT, {OrderStatus.REFUNDING})])
def test_a_move_in_one_statement_the_table_or_the_caller_forbids_writes_nothing(member_api, status, only_from):
    order = place_order(member_api, SKUFactory())
    Order.objects.filter(pk=order.pk).update(status=status)
    before = Event.objects.count()
    assert move_in_one_statement(order, to=OrderStatus.PAID, only_from=only_from) == 0
    assert Order.objects.get(pk=order.pk).status == status and Event.objects.count() == before


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
