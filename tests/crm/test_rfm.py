"""RFM scoring at the quintile edges: distinct values spread 1–5, ties share a score, a lone
buyer sits in the middle; the named groups; members who no longer buy are cleared."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm.models import PurchaseStats, RfmGroup
from crm.services.rfm import rfm_recompute
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def buyer(*, days=1, orders=1, paid_fen=1000) -> PurchaseStats:
    return PurchaseStats.objects.create(
        member=MemberFactory(), order_count=orders, paid_fen=paid_fen,
        first_paid_at=timezone.now() - datetime.timedelta(days=400), last_paid_at=timezone.now() - datetime.timedelta(days=days),
    )


def scores(stats: PurchaseStats) -> tuple[int, int, int, str]:
    stats.refresh_from_db()
    return stats.r_score, stats.f_score, stats.m_score, stats.rfm_group


def test_five_distinct_buyers_get_one_to_five_with_recent_scoring_high():
    rows = [buyer(days=50 - 10 * n, orders=n + 1, paid_fen=1000 * (n + 1)) for n in range(5)]
    assert rfm_recompute() == 5
    assert [scores(row)[:3] for row in rows] == [(1, 1, 1), (2, 2, 2), (3, 3, 3), (4, 4, 4), (5, 5, 5)]


def test_ten_buyers_make_two_per_fifth_and_ties_share_a_score():
    distinct = [buyer(orders=1, paid_fen=100 * (n + 1)) for n in range(10)]
    rfm_recompute()
    assert [scores(row)[2] for row in distinct] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]

    PurchaseStats.objects.all().delete()
    # Order counts 1,1,1,1 | 2,2 | 3 | 4,4,4: the four ones cover 0–40 % (middle 20 %: fifth 1),
    # the twos 40–60 % (middle 50 %: 3), the three 60–70 % (4), the fours 70–100 % (middle 85 %: 5).
    tied = [buyer(orders=count) for count in (1, 1, 1, 1, 2, 2, 3, 4, 4, 4)]
    rfm_recompute()
    assert [scores(row)[1] for row in tied] == [1, 1, 1, 1, 3, 3, 4, 5, 5, 5]


def test_a_lone_buyer_and_buyers_who_all_look_alike_sit_in_the_middle():
    alone = buyer()
    rfm_recompute()
    assert scores(alone) == (3, 3, 3, RfmGroup.CHAMPION)
    twins = [buyer() for _ in range(3)]
    rfm_recompute()
    assert {scores(row)[:3] for row in [alone, *twins]} == {(3, 3, 3)}


def test_same_day_purchases_tie_on_recency():
    early, late = buyer(days=0), buyer(days=0)
    PurchaseStats.objects.filter(pk=early.pk).update(last_paid_at=timezone.localtime().replace(hour=0, minute=1))
    older = buyer(days=30)
    rfm_recompute()
    assert scores(early)[0] == scores(late)[0] > scores(older)[0]


@pytest.mark.parametrize(("spec", "group"), [
    ((5, 5, 5), RfmGroup.CHAMPION),
    ((5, 1, 5), RfmGroup.PROMISING),
    ((1, 5, 5), RfmGroup.KEEP),
    ((1, 1, 5), RfmGroup.WIN_BACK),
    ((5, 5, 1), RfmGroup.LOYAL),
    ((5, 1, 1), RfmGroup.NEWCOMER),
    ((1, 5, 1), RfmGroup.FADING),
    ((1, 1, 1), RfmGroup.DORMANT),
])
def test_groups_from_high_and_low_scores(spec, group):
    # Five reference buyers spread every score 1–5; the sixth sits at the top or the bottom
    # of each (its ties with a reference row keep it in that row's fifth).
    for n in range(5):
        buyer(days=100 - 20 * n, orders=2 * n + 1, paid_fen=1000 * (2 * n + 1))
    recent, frequent, rich = spec
    probe = buyer(days=100 if recent == 1 else 20, orders=1 if frequent == 1 else 9, paid_fen=1000 if rich == 1 else 9000)
    rfm_recompute()
    r, f, m, named = scores(probe)
    assert (r >= 3, f >= 3, m >= 3) == (recent == 5, frequent == 5, rich == 5)
    assert named == group


def test_a_member_refunded_to_no_purchase_is_cleared_and_others_are_not_touched():
    gone, stays = buyer(), buyer()
    rfm_recompute()
    PurchaseStats.objects.filter(pk=gone.pk).update(order_count=0, paid_fen=0)
    PurchaseStats.objects.create(member=MemberFactory(), order_count=0)
    assert rfm_recompute() == 1
    assert scores(gone) == (0, 0, 0, "")
    assert scores(stays) == (3, 3, 3, RfmGroup.CHAMPION)


def test_running_twice_gives_the_same_scores_and_the_command_runs_it():
    rows = [buyer(days=n, orders=n + 1, paid_fen=700 * n + 1) for n in range(7)]
    rfm_recompute()
    first = [scores(row) for row in rows]
    call_command("recompute_rfm")
    assert [scores(row) for row in rows] == first
    assert all(row.rfm_at is not None for row in PurchaseStats.objects.all())
