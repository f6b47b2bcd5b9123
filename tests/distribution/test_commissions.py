"""Commission amounts: the chain, rate precedence, rounding, self-purchase, snapshots."""

import pytest

from distribution.models import Commission, CommissionStatus, Distributor, Grade, LedgerEntry, SkuCommission
from distribution.selectors import balances
from distribution.services.binding import binding_set
from distribution.services.commissions import commissions_earn
from mall.services.orders import LineRequest, order_create
from tests.distribution.conftest import buy, configure
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import DESTINATION

pytestmark = pytest.mark.django_db


def earned(order) -> dict:
    return {(c.beneficiary.nickname, c.level): (c.rate_bp, c.amount_fen) for c in Commission.objects.filter(order=order)}


def test_c_buys_and_b_earns_level_1_and_a_level_2(abc):
    a, b, c = abc
    order = buy(c, SKUFactory(price_fen=10000))
    assert earned(order) == {("B", 1): (1000, 1000), ("A", 2): (500, 500)}
    assert all(x.status == CommissionStatus.FROZEN and x.base_fen == 10000 for x in Commission.objects.all())
    assert balances(member=b)["frozen_fen"] == 1000 and balances(member=a)["frozen_fen"] == 500


def test_amounts_round_down_to_the_fen(abc):
    order = buy(abc[2], SKUFactory(price_fen=3333))
    assert earned(order) == {("B", 1): (1000, 333), ("A", 2): (500, 166)}  # 333.3 and 166.65


def test_the_base_is_what_the_line_cost_without_shipping(abc):
    order = buy(abc[2], SKUFactory(price_fen=2000), 3)  # 60.00 goods + 10.00 shipping
    assert order.shipping_fen == 1000
    assert earned(order)[("B", 1)] == (1000, 600)


def test_zero_commissions_are_not_recorded(abc):
    order = buy(abc[2], SKUFactory(price_fen=9))  # 0.9 and 0.45 fen
    assert earned(order) == {}
    assert not LedgerEntry.objects.exists()


def test_a_grade_rate_beats_the_global_rate(abc):
    a, b, c = abc
    gold = Grade.objects.create(name="金牌", rank=2, level1_rate_bp=2000, level2_rate_bp=800)
    Distributor.objects.create(member=b, grade=gold)
    order = buy(c, SKUFactory(price_fen=10000))
    assert earned(order) == {("B", 1): (2000, 2000), ("A", 2): (500, 500)}


def test_a_fixed_sku_commission_beats_grade_and_global(abc):
    a, b, c = abc
    Distributor.objects.create(member=b, grade=Grade.objects.create(name="金牌", rank=2, level1_rate_bp=2000, level2_rate_bp=800))
    sku = SKUFactory(price_fen=10000)
    SkuCommission.objects.create(sku=sku, level1_fen=1234, level2_fen=111)
    order = buy(c, sku, 2)
    assert earned(order) == {("B", 1): (0, 2468), ("A", 2): (0, 222)}


def test_fixed_commissions_never_exceed_what_the_line_cost(abc):
    sku = SKUFactory(price_fen=100)
    SkuCommission.objects.create(sku=sku, level1_fen=80, level2_fen=80)
    order = buy(abc[2], sku)
    assert sum(amount for _, amount in earned(order).values()) == 100


def test_without_self_purchase_the_sharer_buying_pays_their_referrer(abc):
    a, b, c = abc
    order = buy(b, SKUFactory(price_fen=10000))
    assert earned(order) == {("A", 1): (1000, 1000)}  # A has no referrer: no level 2


def test_with_self_purchase_the_sharer_earns_on_their_own_order(abc):
    a, b, c = abc
    configure(self_purchase=True)
    order = buy(b, SKUFactory(price_fen=10000))
    assert earned(order) == {("B", 1): (1000, 1000), ("A", 2): (500, 500)}


def test_one_level_only(abc):
    configure(levels=1)
    assert earned(buy(abc[2], SKUFactory(price_fen=10000))) == {("B", 1): (1000, 1000)}


def test_earning_twice_changes_nothing(abc):
    order = buy(abc[2], SKUFactory(price_fen=10000))
    assert commissions_earn(order=order) == []
    assert Commission.objects.count() == 2 and LedgerEntry.objects.count() == 2


def test_the_chain_is_taken_when_the_order_is_placed(abc):
    a, b, c = abc
    sku = SKUFactory(price_fen=10000)
    order = order_create(member=c, destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=1)])
    from distribution.services.commissions import order_snapshot

    order_snapshot(order=order)  # what the order_created event does after commit
    binding_set(member=c, referrer=a, by=MemberFactory(openid=None), reason="客户要求更换")
    commissions_earn(order=order)
    assert earned(order) == {("B", 1): (1000, 1000), ("A", 2): (500, 500)}


def test_revoked_or_unapproved_sharers_earn_nothing(abc):
    a, b, c = abc
    Distributor.objects.create(member=b, status="revoked")
    assert earned(buy(c, SKUFactory(price_fen=10000))) == {("A", 2): (500, 500)}


def test_distribution_switched_off_earns_nothing(abc):
    configure(enabled=False)
    assert earned(buy(abc[2], SKUFactory(price_fen=10000))) == {}


def test_rates_above_one_hundred_percent_are_refused(rules):
    from django.core.exceptions import ValidationError

    rules.level1_rate_bp, rules.level2_rate_bp = 8000, 3000
    with pytest.raises(ValidationError):
        rules.full_clean()
    rules.level1_rate_bp, rules.levels = 1000, 3
    with pytest.raises(ValidationError):
        rules.full_clean()


def test_the_grade_of_a_member_without_a_distributor_row_is_the_global_rate(abc):
    d = MemberFactory(nickname="D")
    from distribution.services.binding import binding_apply

    binding_apply(member=d, code=abc[2].referral_code)  # C never had a Distributor row until now
    assert earned(buy(d, SKUFactory(price_fen=10000)))[("C", 1)] == (1000, 1000)
