"""Sharers' money and the referral tree under real concurrency (PostgreSQL)."""

from collections import Counter

import pytest
from rest_framework.test import APIClient

from config.errors import DomainError, InvalidStatus
from distribution.models import LedgerEntry, Referral, Withdrawal
from distribution.selectors import balances
from distribution.services.binding import binding_apply, binding_set
from distribution.services.commissions import commissions_release_due, commissions_void
from distribution.services.reconcile import reconcile
from distribution.services.withdrawals import withdrawal_approve
from mall.models import Order
from tests.concurrency.racing import race
from tests.distribution.conftest import buy, complete
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import requires_postgres
from wechat.emulator.models import EmulatedUser, MchTransfer

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sharer(abc):
    a, b, c = abc
    EmulatedUser.objects.create(openid=b.openid, unionid="u_b", nickname="B")
    complete(buy(c, SKUFactory(price_fen=50000)), days_ago=1)
    commissions_release_due()
    assert balances(member=b)["available_fen"] == 5000
    return b


def test_twenty_withdrawals_of_the_whole_balance_at_once_hold_it_once(sharer):
    clients = []
    for _ in range(20):
        client = APIClient()
        client.force_login(sharer)
        clients.append(client)

    results, errors = race([lambda c=c: c.post("/api/v1/distribution/withdrawals", {"amount_fen": 5000, "channel": "wechat"}, format="json") for c in clients])

    assert not errors
    assert Counter(r.status_code for r in results) == {201: 1, 409: 19}
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"insufficient_balance"}
    assert balances(member=sharer) == {"frozen_fen": 0, "available_fen": 0, "withdrawing_fen": 5000, "withdrawn_fen": 0}
    assert Withdrawal.objects.count() == 1 and LedgerEntry.objects.filter(kind="held").count() == 1
    assert reconcile() == []


def test_operators_approving_one_withdrawal_at_once_pay_it_once(sharer):
    client = APIClient()
    client.force_login(sharer)
    withdrawal = Withdrawal.objects.get(pk=client.post("/api/v1/distribution/withdrawals", {"amount_fen": 5000, "channel": "wechat"}, format="json").json()["id"])
    operators = [MemberFactory(openid=None, is_staff=True) for _ in range(8)]

    def approve(operator):
        try:
            return withdrawal_approve(withdrawal=Withdrawal.objects.get(pk=withdrawal.pk), by=operator).status
        except InvalidStatus:
            return "already"

    results, errors = race([lambda o=o: approve(o) for o in operators])

    assert not errors and Counter(results) == {"paid": 1, "already": 7}
    assert MchTransfer.objects.count() == 1
    assert balances(member=sharer)["withdrawn_fen"] == 5000 and reconcile() == []


def test_racing_rebinds_never_make_a_cycle(rules):
    members = [MemberFactory() for _ in range(6)]
    operator = MemberFactory(openid=None, is_staff=True)

    def bind(i):
        try:
            binding_set(member=members[i], referrer=members[(i + 1) % len(members)], by=operator, reason="ring")
            return "bound"
        except DomainError:
            return "refused"

    for _ in range(3):
        Referral.objects.all().delete()
        results, errors = race([lambda i=i: bind(i) for i in range(len(members))])
        assert not errors
        assert results.count("refused") >= 1  # a full ring of six would be a cycle
        edges = dict(Referral.objects.values_list("member_id", "referrer_id"))
        for start in edges:  # follow the links: they must end, never come back
            seen, current = set(), start
            while current in edges:
                assert current not in seen, "cycle in the referral tree"
                seen.add(current)
                current = edges[current]


def test_many_links_for_one_new_shopper_at_once_bind_once(rules):
    shopper = MemberFactory()
    sharers = [MemberFactory() for _ in range(10)]
    results, errors = race([lambda s=s: binding_apply(member=shopper, code=s.referral_code) for s in sharers])
    assert not errors and results.count(True) == 1
    assert Referral.objects.filter(member=shopper).count() == 1


def test_voids_racing_the_settlement_job_neither_deadlock_nor_lose_a_fen(abc):
    a, b, c = abc
    sku = SKUFactory(price_fen=10000, stock=100)
    orders = [complete(buy(c, sku), days_ago=1) for _ in range(10)]
    refunded = orders[::2]
    Order.objects.filter(pk__in=[o.pk for o in refunded]).update(refunded_fen=2500)  # the refunds landed; voids pending

    work = [lambda o=o: commissions_void(order=o) for o in refunded] + [commissions_release_due, commissions_release_due]
    _, errors = race(work)
    assert not errors
    commissions_release_due()  # whatever waited for its void is due now

    # B earns 10% and A 5% of 100.00 per order; a quarter of five orders went back.
    assert balances(member=b) == {"frozen_fen": 0, "available_fen": 10 * 1000 - 5 * 250, "withdrawing_fen": 0, "withdrawn_fen": 0}
    assert balances(member=a)["available_fen"] == 10 * 500 - 5 * 125
    assert reconcile() == []
