"""Coupon drops under concurrency (PostgreSQL): workers running one drop at once give every
member exactly one coupon with the counters equal to the coupons; drops created at once
never promise the same stock twice, and a double-submitted drop is made once."""

import pytest
from django.db.models import Count

from crm.errors import CouponDropActive, CouponDropStockShort
from crm.models import CouponDrop, Segment
from crm.services.coupon_drops import coupon_drop_create, coupon_drop_run
from mall.models import Coupon, CouponTemplate
from members.models import Gender
from tests.concurrency.racing import race
from tests.factories import MemberFactory
from tests.helpers import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WOMEN = {"match": "all", "rules": [{"field": "gender", "op": "eq", "value": Gender.FEMALE}]}
MEMBERS = 60


@pytest.fixture(autouse=True)
def _workers_not_kicked(monkeypatch):
    """The drops stay queued after their create commits: the test runs the workers itself."""
    monkeypatch.setattr("crm.tasks.run_coupon_drop.delay", lambda drop_id: None)


def women(count: int, name: str = "女性") -> Segment:
    MemberFactory.create_batch(count, gender=Gender.FEMALE)
    return Segment.objects.create(name=name, rules=WOMEN)


def test_workers_running_one_drop_at_once_give_everyone_exactly_one_coupon():
    segment = women(MEMBERS)
    coupon = CouponTemplate.objects.create(title="会员专享", amount_fen=1000, is_public=False, total=MEMBERS)
    drop = coupon_drop_create(segment=segment, template=coupon, by=None)
    results, errors = race([lambda: coupon_drop_run(drop_id=drop.pk, batch=5) for _ in range(4)])
    assert not errors
    assert sum(results) == MEMBERS // 5  # every batch given once, by whichever worker held the drop
    drop.refresh_from_db()
    assert drop.status == CouponDrop.Status.DONE
    per_member = Coupon.objects.filter(template=coupon).values("member").annotate(n=Count("pk"))
    assert len(per_member) == MEMBERS and {row["n"] for row in per_member} == {1}
    assert drop.granted == MEMBERS and drop.already_had == 0
    coupon.refresh_from_db()
    assert coupon.claimed == MEMBERS


def test_drops_created_at_once_never_promise_the_same_stock_twice():
    women(10)
    segments = [Segment.objects.create(name=f"女性 {n}", rules=WOMEN) for n in range(4)]
    coupon = CouponTemplate.objects.create(title="会员专享", amount_fen=1000, is_public=False, total=25)
    results, errors = race([lambda s=s: coupon_drop_create(segment=s, template=coupon, by=None) for s in segments])
    assert len([r for r in results if r is not None]) == 2  # 25 left covers two segments of 10
    assert len(errors) == 2 and all(isinstance(e, CouponDropStockShort) for e in errors)


def test_a_drop_submitted_twice_at_once_is_made_once():
    segment = women(3)
    coupon = CouponTemplate.objects.create(title="会员专享", amount_fen=1000, is_public=False)
    results, errors = race([lambda: coupon_drop_create(segment=segment, template=coupon, by=None) for _ in range(4)])
    assert CouponDrop.objects.count() == 1
    assert len(errors) == 3 and all(isinstance(e, CouponDropActive) for e in errors)
