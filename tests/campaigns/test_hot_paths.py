"""Check-in, spin and grab are what a crowd taps at once: each answers in a fixed number of
queries, and the rules they read through the cache follow an operator's save at once."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from campaigns.api.checkin import CheckinResultSerializer
from campaigns.api.packets import GrabResultSerializer
from campaigns.api.wheel import PrizeShipmentSerializer, SpinResultSerializer
from campaigns.models import Play, PrizeKind, PrizeShipment
from campaigns.services.packets import red_packet_expire
from members.models import BalanceEntry
from tests.campaigns.test_checkin import checkin_campaign
from tests.campaigns.test_red_packets import make_packet
from tests.campaigns.test_wheel import THANKS, make_wheel
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

# Session, member, then the play itself: a fixed number whatever the rules hold, counted
# as a request runs in production (autocommit: these tests are transactional, so BEGIN and
# COMMIT are counted as the round trips they are). "transaction" is those two. On
# PostgreSQL a play's writes are one statement (data-modifying CTEs chained on RETURNING,
# campaigns/services/chain.py), and a play that is one statement needs no transaction;
# SQLite runs each write apart, inside one.
CHECKIN_QUERIES = {  # the member's row held (with participation), then the day inserted with its streak and its reward;
    "postgresql": 4,  # transaction (the lock must outlive its statement: see checkin_today)
    "sqlite": 7,
}
SPIN_QUERIES = {  # the day's quota (with participation), the spin; the wheel and its prizes come cached
    "postgresql": 1,
    "sqlite": 5,
}
GRAB_QUERIES = {  # a share claimed under the packet's row with where it goes (with participation), the counter,
    "postgresql": 1,  # the balance moved with its ledger row; the packet comes cached
    "sqlite": 7,
}


def client_of(member) -> APIClient:
    api = APIClient()
    api.force_login(member)
    return api


def post_counting(api, path):
    api.get("/api/v1/campaigns")  # the session is loaded and the rules cached by an earlier page
    with CaptureQueriesContext(connection) as queries:
        response = api.post(path)
    return response, len(queries)


@pytest.mark.django_db(transaction=True)
def test_a_check_in_takes_a_fixed_number_of_queries():
    checkin_campaign(daily=10, milestones={2: 50, 7: 100})
    api = client_of(MemberFactory())
    api.get("/api/v1/checkin")
    response, queries = post_counting(api, "/api/v1/checkin")
    assert response.status_code == 201
    assert queries == CHECKIN_QUERIES[connection.vendor] + 1  # + the member (the session comes from the cache)


@pytest.mark.django_db(transaction=True)
def test_a_spin_takes_a_fixed_number_of_queries():
    wheel = make_wheel(THANKS)
    api = client_of(MemberFactory())
    api.get(f"/api/v1/wheels/{wheel.pk}")
    api.post(f"/api/v1/wheels/{wheel.pk}/spin")  # the wheel's rules cached
    response, queries = post_counting(api, f"/api/v1/wheels/{wheel.pk}/spin")
    assert response.status_code == 200
    assert queries == SPIN_QUERIES[connection.vendor] + 1


@pytest.mark.django_db(transaction=True)
def test_a_grab_takes_a_fixed_number_of_queries():
    packet = make_packet(total_fen=1000, shares=5)
    client_of(MemberFactory()).post(f"/api/v1/red-packets/{packet.pk}/grab")
    response, queries = post_counting(client_of(MemberFactory()), f"/api/v1/red-packets/{packet.pk}/grab")
    assert response.status_code == 200 and response.json()["shares_left"] == 3
    assert queries == GRAB_QUERIES[connection.vendor] + 1


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
    assert (
        red_packet_expire(packet_id=packet.pk)
        == packet.total_fen - packet.share_set.filter(member__isnull=False).get().amount_fen
    )
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


def test_a_packets_campaign_switched_off_stops_its_grabs_at_once():
    packet = make_packet(total_fen=1000, shares=5)
    assert client_of(MemberFactory()).post(f"/api/v1/red-packets/{packet.pk}/grab").status_code == 200  # the packet cached
    packet.campaign.is_active = False
    packet.campaign.save()
    late = client_of(MemberFactory()).post(f"/api/v1/red-packets/{packet.pk}/grab")
    assert late.status_code == 409 and late.json()["code"] == "campaign_not_active"


def test_a_packet_the_operator_saves_is_grabbed_as_saved():
    packet = make_packet(total_fen=1000, shares=5)
    assert client_of(MemberFactory()).post(f"/api/v1/red-packets/{packet.pk}/grab").status_code == 200  # the packet cached
    packet.title = "改名红包"
    packet.save()
    member = MemberFactory()
    assert client_of(member).post(f"/api/v1/red-packets/{packet.pk}/grab").status_code == 200
    assert BalanceEntry.objects.get(member=member).note == "抢红包：改名红包"


def test_a_packet_made_after_its_id_was_asked_for_is_found():
    api = client_of(MemberFactory())
    assert api.post("/api/v1/red-packets/1000000/grab").status_code == 404  # "no such packet" cached
    packet = make_packet(total_fen=1000, shares=5)
    packet.pk = 1_000_000
    packet.save()  # a second packet, made under that id (its shares stay with the first)
    answer = api.post("/api/v1/red-packets/1000000/grab")
    assert answer.status_code == 409 and answer.json()["code"] == "packet_empty"
    assert type(packet).objects.get(pk=1_000_000).shares_left == 5  # the counter moves only with a claimed share


@pytest.mark.parametrize(
    "prize",
    [
        {"name": "积分", "kind": PrizeKind.POINTS, "points": 10},
        {"name": "耳机", "kind": PrizeKind.PHYSICAL, "stock": 1},
        THANKS,
    ],
)
def test_a_spins_answer_has_the_fields_the_schema_documents(prize):
    wheel = make_wheel(prize)
    answer = client_of(MemberFactory()).post(f"/api/v1/wheels/{wheel.pk}/spin").json()
    documented = SpinResultSerializer(data={**answer, "shipment": None})  # a shipment is an answer only, its blanks no input
    assert documented.is_valid(), documented.errors
    assert set(answer) == set(SpinResultSerializer().fields) and answer["prize"]["kind"] == prize["kind"]
    shipment = PrizeShipment.objects.filter(spin_id=answer["spin_id"]).first()
    assert answer["shipment"] == (PrizeShipmentSerializer(shipment).data if shipment else None)
    assert (shipment is not None) == (prize["kind"] == PrizeKind.PHYSICAL)


def test_a_check_ins_answer_has_the_fields_the_schema_documents():
    checkin_campaign(daily=10)
    answer = client_of(MemberFactory()).post("/api/v1/checkin").json()
    documented = CheckinResultSerializer(data=answer)
    assert documented.is_valid(), documented.errors
    assert set(answer) == set(CheckinResultSerializer().fields) and answer["rewards"] == [{"kind": "points", "points": 10}]


def test_a_grabs_answer_has_the_fields_the_schema_documents():
    packet = make_packet(total_fen=1000, shares=5)
    answer = client_of(MemberFactory()).post(f"/api/v1/red-packets/{packet.pk}/grab").json()
    documented = GrabResultSerializer(data=answer)
    assert documented.is_valid(), documented.errors
    assert set(answer) == set(GrabResultSerializer().fields) and answer["shares_left"] == 4
