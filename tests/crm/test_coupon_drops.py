"""Coupon drops to a segment: the refusals that leave nothing half-sent, the batched run
(one coupon per member, rerun gives nothing new, sold out stops and says so, a cancelled
drop stops), the sweep, and the segment list's 「发优惠券…」 page."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from config.errors import InvalidStatus
from crm.errors import (
    CouponDropActive,
    CouponDropSegmentEmpty,
    CouponDropStockShort,
    CouponDropTemplateUnusable,
    SegmentRuleError,
)
from crm.models import CouponDrop, Segment
from crm.services.coupon_drops import (
    coupon_drop_cancel,
    coupon_drop_create,
    coupon_drop_run,
    coupon_drop_run_batch,
    coupon_drops_run_pending,
)
from mall.models import Coupon, CouponTemplate, CouponValidity
from members.models import Gender
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

WOMEN = {"match": "all", "rules": [{"field": "gender", "op": "eq", "value": Gender.FEMALE}]}


@pytest.fixture
def women():
    return Segment.objects.create(name="女性", rules=WOMEN)


@pytest.fixture
def members():
    """Five women in the segment, and a man and a female operator who are not."""
    MemberFactory(gender=Gender.MALE)
    MemberFactory(gender=Gender.FEMALE, is_staff=True)
    return [MemberFactory(gender=Gender.FEMALE) for _ in range(5)]


def template(**fields) -> CouponTemplate:
    return CouponTemplate.objects.create(**{"title": "会员专享 10 元", "amount_fen": 1000, "is_public": False, **fields})


def queued_drop(segment, coupon) -> CouponDrop:
    """A queued drop: the test's transaction never commits, so its worker is never kicked and the test runs it by hand."""
    return coupon_drop_create(segment=segment, template=coupon, by=None)


def assert_nothing_changed(coupon: CouponTemplate) -> None:
    assert not CouponDrop.objects.exists()
    assert not Coupon.objects.exists()
    coupon.refresh_from_db()
    assert coupon.claimed == 0


# --- Refusals ----------------------------------------------------------------------------


def test_an_empty_segment_is_refused(members):
    coupon = template()
    nobody = Segment.objects.create(name="未知性别", rules={"match": "all", "rules": [{"field": "gender", "op": "eq", "value": Gender.UNKNOWN}]})
    with pytest.raises(CouponDropSegmentEmpty):
        coupon_drop_create(segment=nobody, template=coupon, by=None)
    assert_nothing_changed(coupon)


def test_a_segment_whose_rules_no_longer_compile_is_refused(members):
    coupon = template()
    broken = Segment.objects.create(name="坏规则", rules={"match": "all", "rules": [{"field": "no_such_field", "op": "eq", "value": 1}]})
    with pytest.raises(SegmentRuleError):
        coupon_drop_create(segment=broken, template=coupon, by=None)
    assert_nothing_changed(coupon)


def test_a_template_switched_off_is_refused(women, members):
    coupon = template(is_active=False)
    with pytest.raises(CouponDropTemplateUnusable, match="已停用"):
        coupon_drop_create(segment=women, template=coupon, by=None)
    assert_nothing_changed(coupon)


def test_an_expired_template_is_refused(women, members):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    coupon = template(validity=CouponValidity.FIXED, valid_from=yesterday - datetime.timedelta(days=7), valid_until=yesterday)
    with pytest.raises(CouponDropTemplateUnusable, match="过有效期"):
        coupon_drop_create(segment=women, template=coupon, by=None)
    assert_nothing_changed(coupon)


def test_stock_short_of_the_segment_is_refused(women, members):
    coupon = template(total=4)
    with pytest.raises(CouponDropStockShort, match="剩余 4 张.*5 人"):
        coupon_drop_create(segment=women, template=coupon, by=None)
    assert_nothing_changed(coupon)


def test_stock_promised_to_a_drop_under_way_counts_as_gone(women, members):
    coupon = template(total=8)
    first = queued_drop(women, coupon)
    others = Segment.objects.create(name="女性（再建）", rules=WOMEN)
    with pytest.raises(CouponDropStockShort, match="其中 5 张留给进行中的发券"):
        coupon_drop_create(segment=others, template=coupon, by=None)
    assert list(CouponDrop.objects.all()) == [first]


def test_the_same_drop_twice_while_under_way_is_refused(women, members):
    coupon = template()
    first = queued_drop(women, coupon)
    with pytest.raises(CouponDropActive):
        coupon_drop_create(segment=women, template=coupon, by=None)
    assert list(CouponDrop.objects.all()) == [first]


# --- Running ---------------------------------------------------------------------------------


def test_creating_a_drop_queues_it_and_a_worker_gives_it_after_commit(women, members, django_capture_on_commit_callbacks):
    coupon = template(total=5)
    with django_capture_on_commit_callbacks(execute=False) as kicks:
        drop = coupon_drop_create(segment=women, template=coupon, by=None)
    assert (drop.status, drop.targeted) == (CouponDrop.Status.QUEUED, 5)
    assert not Coupon.objects.exists()
    for kick in kicks:
        kick()
    drop.refresh_from_db()
    assert drop.status == CouponDrop.Status.DONE
    assert Coupon.objects.count() == 5


def test_a_dead_broker_leaves_the_drop_queued_for_the_sweep(women, members, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(drop_id):
        raise ConnectionError("broker down")

    monkeypatch.setattr("crm.tasks.run_coupon_drop.delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        drop = coupon_drop_create(segment=women, template=template(), by=None)
    drop.refresh_from_db()
    assert drop.status == CouponDrop.Status.QUEUED
    coupon_drops_run_pending()
    drop.refresh_from_db()
    assert (drop.status, drop.granted) == (CouponDrop.Status.DONE, 5)


def test_a_run_gives_each_member_of_the_segment_one_coupon(women, members):
    coupon = template(total=5)
    drop = queued_drop(women, coupon)
    assert coupon_drop_run(drop_id=drop.pk, batch=2) == 3  # 2 + 2 + 1, then nobody left
    drop.refresh_from_db()
    assert (drop.status, drop.granted, drop.already_had, drop.cursor) == (CouponDrop.Status.DONE, 5, 0, members[-1].pk)
    assert drop.finished_at is not None
    given = Coupon.objects.filter(template=coupon)
    assert sorted(given.values_list("member_id", flat=True)) == sorted(m.pk for m in members)
    assert set(given.values_list("source_key", flat=True)) == {f"drop:{drop.pk}:{m.pk}" for m in members}
    coupon.refresh_from_db()
    assert coupon.claimed == 5


def test_each_batch_moves_the_cursor_and_the_counters_with_its_coupons(women, members):
    drop = queued_drop(women, template())
    assert coupon_drop_run_batch(drop_id=drop.pk, size=2)
    drop.refresh_from_db()
    assert (drop.status, drop.granted, drop.cursor) == (CouponDrop.Status.RUNNING, 2, members[1].pk)
    assert Coupon.objects.count() == 2


def test_a_rerun_gives_nobody_a_second_coupon(women, members):
    coupon = template()
    drop = queued_drop(women, coupon)
    coupon_drop_run(drop_id=drop.pk)
    assert coupon_drop_run(drop_id=drop.pk) == 0  # done: nothing to take
    # A worker that gave the coupons but lost its cursor walks everybody again.
    CouponDrop.objects.filter(pk=drop.pk).update(status=CouponDrop.Status.RUNNING, cursor=0, granted=0, finished_at=None)
    coupon_drop_run(drop_id=drop.pk)
    drop.refresh_from_db()
    assert (drop.status, drop.granted, drop.already_had) == (CouponDrop.Status.DONE, 0, 5)
    assert Coupon.objects.count() == 5
    coupon.refresh_from_db()
    assert coupon.claimed == 5  # a source that gave already takes no stock


def test_sold_out_stops_the_drop_and_says_so(women, members):
    coupon = template(total=5)
    drop = queued_drop(women, coupon)
    CouponTemplate.objects.filter(pk=coupon.pk).update(claimed=2)  # the coupon centre gave two meanwhile
    coupon_drop_run(drop_id=drop.pk, batch=2)
    drop.refresh_from_db()
    assert (drop.status, drop.granted, drop.cursor) == (CouponDrop.Status.STOPPED, 3, members[2].pk)
    assert "库存已发完" in drop.last_error and drop.finished_at is not None
    assert sorted(Coupon.objects.values_list("member_id", flat=True)) == [m.pk for m in members[:3]]
    assert coupon_drop_run(drop_id=drop.pk) == 0  # a stopped drop stays stopped


def test_a_cancelled_drop_gives_no_more(women, members):
    drop = queued_drop(women, template())
    coupon_drop_run_batch(drop_id=drop.pk, size=2)
    coupon_drop_cancel(drop_id=drop.pk)
    assert coupon_drop_run(drop_id=drop.pk) == 0
    drop.refresh_from_db()
    assert (drop.status, drop.granted) == (CouponDrop.Status.CANCELLED, 2)
    assert Coupon.objects.count() == 2  # what was given stays
    with pytest.raises(InvalidStatus):
        coupon_drop_cancel(drop_id=drop.pk)


def test_a_template_switched_off_mid_drop_stops_it(women, members):
    coupon = template()
    drop = queued_drop(women, coupon)
    coupon_drop_run_batch(drop_id=drop.pk, size=2)
    CouponTemplate.objects.filter(pk=coupon.pk).update(is_active=False)
    coupon_drop_run(drop_id=drop.pk)
    drop.refresh_from_db()
    assert (drop.status, drop.granted, drop.last_error) == (CouponDrop.Status.STOPPED, 2, "这张优惠券已停用，不能发放")


def test_the_sweep_gives_the_drops_whose_task_was_lost(women, members):
    drop = queued_drop(women, template())
    call_command("run_coupon_drops")
    drop.refresh_from_db()
    assert (drop.status, drop.granted) == (CouponDrop.Status.DONE, 5)
    assert coupon_drops_run_pending() == 0


# --- The segment list's 「发优惠券…」 ---------------------------------------------------------


@pytest.fixture
def boss(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    return client


def test_the_drop_page_shows_the_segment_count_and_the_stock_left(boss, women, members):
    template(title="满 50 减 10", total=20)
    page = boss.post(reverse("admin:crm_segment_changelist"), {"action": "drop_coupons", "_selected_action": [women.pk]})
    text = page.content.decode()
    assert page.status_code == 200
    assert "现有 <strong>5</strong> 位会员" in text and "满 50 减 10（剩余 20 张）" in text


def test_the_drop_page_takes_one_segment_at_a_time(boss, women, members):
    other = Segment.objects.create(name="女性 2", rules=WOMEN)
    response = boss.post(reverse("admin:crm_segment_changelist"), {"action": "drop_coupons", "_selected_action": [women.pk, other.pk]},
                         follow=True)
    assert "请只选一个分群发优惠券" in response.content.decode()
    assert not CouponDrop.objects.exists()


def test_the_drop_page_starts_the_drop(boss, women, members, django_capture_on_commit_callbacks):
    coupon = template(total=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = boss.post(reverse("admin:crm_segment_changelist"),
                             {"action": "drop_coupons", "_selected_action": [women.pk], "apply": "1", "template": coupon.pk})
    assert response.status_code == 302 and response.url == reverse("admin:crm_coupondrop_changelist")
    drop = CouponDrop.objects.get()
    assert (drop.status, drop.granted) == (CouponDrop.Status.DONE, 5)
    assert drop.created_by.is_superuser
    assert boss.get(response.url).status_code == 200


def test_the_drop_page_shows_a_refusal_and_starts_nothing(boss, women, members):
    coupon = template(total=3)
    page = boss.post(reverse("admin:crm_segment_changelist"),
                     {"action": "drop_coupons", "_selected_action": [women.pk], "apply": "1", "template": coupon.pk})
    assert page.status_code == 200
    assert "剩余 3 张" in page.content.decode() and "请先增加发放总量或缩小分群" in page.content.decode()
    assert not CouponDrop.objects.exists()


def test_cancel_from_the_drop_list(boss, women, members):
    drop = queued_drop(women, template())
    boss.post(reverse("admin:crm_coupondrop_changelist"), {"action": "cancel", "_selected_action": [drop.pk]})
    drop.refresh_from_db()
    assert drop.status == CouponDrop.Status.CANCELLED
