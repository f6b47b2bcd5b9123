"""Check-in, spin and grab are what a crowd taps at once: each answers in a fixed number of
queries, and the rules they read through the cache follow an operator's save at once."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from campaigns.models import Play, PrizeKind
from campaigns.services.packets import red_packet_expire
from tests.campaigns.test_checkin import checkin_campaign
from tests.campaigns.test_red_packets import make_packet
from tests.campaigns.test_wheel import THANKS, make_wheel
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

# Session, member, then the play itself: a fixed number whatever the rules hold.
# "transaction" is two: its start and its end.
CHECKIN_QUERIES = 7  # the member's row held, the day inserted with its streak, the points moved (2), participation, transaction
SPIN_QUERIES = 5  # the day's quota (one upsert), the spin, participation, transaction; the wheel and its prizes come cached
GRAB_QUERIES = 8  # the packet, a share claimed with where it goes (one statement), the counter, the balance moved (2), participation, transaction


def client_of(member) -> APIClient:
    api = APIClient()
    api.force_login(member)
    return api


def post_counting(api, path):
    api.get("/api/v1/campaigns")  # the session is loaded and the rules cached by an earlier page
    with CaptureQueriesContext(connection) as queries:
        response = api.post(path)
    return response, len(queries)


def test_a_check_in_takes_a_fixed_number_of_queries():
    checkin_campaign(daily=10, milestones={2: 50, 7: 100})
    api = client_of(MemberFactory())
    api.get("/api/v1/checkin")
    response, queries = post_counting(api, "/api/v1/checkin")
    assert response.status_code == 201
    assert queries == CHECKIN_QUERIES + 1  # + the member (the session comes from the cache)


def test_a_spin_takes_a_fixed_number_of_queries():
    wheel = make_wheel(THANKS)
    api = client_of(MemberFactory())
    api.get(f"/api/v1/wheels/{wheel.pk}")
    api.post(f"/api/v1/wheels/{wheel.pk}/spin")  # the wheel's rules cached
    response, queries = post_counting(api, f"/api/v1/wheels/{wheel.pk}/spin")
    assert response.status_code == 200
    assert queries == SPIN_QUERIES - 1 + 1  # the second spin of the day records no participation again


def test_a_grab_takes_a_fixed_number_of_queries():
    packet = make_packet(total_fen=1000, shares=5)
    client_of(MemberFactory()).post(f"/api/v1/red-packets/{packet.pk}/grab")
    response, queries = post_counting(client_of(MemberFactory()), f"/api/v1/red-packets/{packet.pk}/grab")
    assert response.status_code == 200 and response.json()["shares_left"] == 3
    assert queries == GRAB_QUERIES + 1


def test_a_check_in_follows_the_operators_new_daily_reward_at_once():
    setup = checkin_campaign(daily=10)
    first = client_of(MemberFactory())
    assert first.post("/api/v1/checkin").json()["rewards"] == [{"kind": "points", "points": 10}]
    setup.daily_reward.points = 25
    setup.daily_reward.save()
    second = client_of(MemberFactory())
    assert second.post("/api/v1/checkin").json()["rewards"] == [{"kind": "points", "points": 25}]


def test_a_campaign_switched_off_stops_every_play_at_once():
    setup = checkin_campaign()
    wheel = make_wheel()
    api = client_of(MemberFactory())
    assert api.post(f"/api/v1/wheels/{wheel.pk}/spin").status_code == 200
    for campaign in (setup.campaign, wheel.campaign):
        campaign.is_active = False
        campaign.save()
    assert api.post("/api/v1/checkin").json()["code"] == "campaign_not_active"
    assert api.post(f"/api/v1/wheels/{wheel.pk}/spin").json()["code"] == "campaign_not_active"


def test_a_prize_the_operator_changes_is_given_as_changed_at_once():
    wheel = make_wheel({"name": "积分", "kind": PrizeKind.POINTS, "points": 10})
    api = client_of(MemberFactory())
    assert api.post(f"/api/v1/wheels/{wheel.pk}/spin").json()["points"] == 10
    prize = wheel.prizes.get()
    prize.points = 30
    prize.save()
    assert api.post(f"/api/v1/wheels/{wheel.pk}/spin").json()["points"] == 40


def test_a_packet_the_expiry_closed_refuses_grabs_and_keeps_its_shares():
    packet = make_packet(total_fen=1000, shares=5)
    assert client_of(MemberFactory()).post(f"/api/v1/red-packets/{packet.pk}/grab").status_code == 200
    type(packet).objects.filter(pk=packet.pk).update(expires_at=packet.created_at)  # as the expiry job finds it, no save
    assert red_packet_expire(packet_id=packet.pk) == packet.total_fen - packet.share_set.filter(member__isnull=False).get().amount_fen
    late = client_of(MemberFactory()).post(f"/api/v1/red-packets/{packet.pk}/grab")
    assert late.status_code == 409 and late.json()["code"] == "campaign_not_active"
    assert packet.share_set.filter(member__isnull=False).count() == 1


def test_the_wheel_of_a_campaign_turned_into_another_play_is_not_spun():
    wheel = make_wheel()
    api = client_of(MemberFactory())
    api.post(f"/api/v1/wheels/{wheel.pk}/spin")
    wheel.campaign.play = Play.CHECKIN
    wheel.campaign.save()
    assert api.post(f"/api/v1/wheels/{wheel.pk}/spin").json()["code"] == "campaign_not_active"


def test_the_checkin_cache_picks_by_the_time_asked_not_the_time_cached():
    from campaigns.services.checkin import checkin_today
    from tests.campaigns.test_checkin import at

    checkin_campaign(starts=at(date(2026, 7, 1)), ends=at(date(2026, 8, 1)))
    member = MemberFactory()
    with pytest.raises(Exception) as early:
        checkin_today(member=member, now=at(date(2026, 6, 30)))
    assert early.value.code == "campaign_not_active"
    assert checkin_today(member=member, now=at(date(2026, 7, 2))).checkin.streak == 1
