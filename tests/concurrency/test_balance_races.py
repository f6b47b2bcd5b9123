"""One balance, many orders at the same instant (PostgreSQL): never spent twice, never
below zero, the ledger always equal to it."""

import pytest

from members.models import BalanceEntry, BalanceKind, Member
from members.selectors import balance_differences
from members.services.balance import balance_move
from tests.concurrency.racing import logged_in, race
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import ADDRESS, requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_orders_at_once_spend_one_balance_once():
    member = MemberFactory()
    balance_move(member_id=member.pk, amount_fen=10000, kind=BalanceKind.ADJUSTMENT, source_key="test:grant")
    sku = SKUFactory(price_fen=3000, stock=100)  # 30.00 + 10.00 shipping = 40.00 each
    body = {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, "use_balance": True}
    clients = [logged_in(member) for _ in range(10)]

    results, errors = race([lambda c=c: c.post("/api/v1/orders", body, format="json") for c in clients])

    assert not errors
    created = [r.json() for r in results if r.status_code == 201]
    taken = sum(order["balance_fen"] for order in created)
    assert taken == 10000  # 4000 + 4000 + 2000, then nothing left to take
    assert Member.objects.get(pk=member.pk).balance_fen == 0
    assert -sum(BalanceEntry.objects.filter(kind=BalanceKind.ORDER_PAYMENT).values_list("amount_fen", flat=True)) == 10000
    assert balance_differences() == []
