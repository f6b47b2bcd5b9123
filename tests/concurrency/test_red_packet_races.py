"""Red packets under races, on PostgreSQL: real threads, real connections, real row locks.

Two hundred members tap 拆 on the same 50-share packet at once: exactly 50 get a share,
every share once, the shares add up to the packet, and the other 150 hear packet_empty.
The server allows 100 connections and other suites share it, so at most CONNECTIONS
requests hold a connection at the same instant; the 200 are released together and keep
that many transactions racing on the packet until every one has answered."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from campaigns.errors import CampaignNotActive, PacketEmpty
from campaigns.models import Campaign, PacketShare, PacketStatus, Play, RedPacket
from campaigns.services.packets import red_packet_create, red_packet_expire, red_packet_grab
from members.models import BalanceEntry, Member
from tests.concurrency.racing import logged_in, race
from tests.factories import MemberFactory
from tests.helpers import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONNECTIONS = 40


def packet_of(*, total_fen: int, shares: int, hours: float = 24) -> RedPacket:
    now = timezone.now()
    campaign = Campaign.objects.create(title="抢红包", play=Play.RED_PACKET, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1))
    return red_packet_create(campaign=campaign, title="整点红包", total_fen=total_fen, shares=shares, split="random", delivers="balance",
                             expires_at=now + timedelta(hours=hours))


def test_two_hundred_members_grabbing_a_fifty_share_packet_at_once():
    packet = packet_of(total_fen=50_000, shares=50)
    members = [MemberFactory() for _ in range(200)]
    clients = [logged_in(member) for member in members]

    results, errors = race([lambda c=c: c.post(f"/api/v1/red-packets/{packet.pk}/grab") for c in clients], connections=CONNECTIONS)

    assert not errors
    statuses = Counter(response.status_code for response in results)
    assert statuses == {200: 50, 409: 150}, statuses
    assert Counter(response.json()["code"] for response in results if response.status_code == 409) == {"packet_empty": 150}
    grabbed = PacketShare.objects.filter(packet=packet, member__isnull=False)
    assert grabbed.count() == 50 and grabbed.values("member").distinct().count() == 50  # nobody twice
    assert grabbed.aggregate(s=Sum("amount_fen"))["s"] == 50_000
    assert sum(response.json()["amount_fen"] for response in results if response.status_code == 200) == 50_000
    packet.refresh_from_db()
    assert packet.shares_left == 0
    # Each winner's balance holds exactly their share, booked once.
    assert BalanceEntry.objects.filter(source_key__startswith="packet:").count() == 50
    for share in grabbed:
        assert Member.objects.get(pk=share.member_id).balance_fen == share.amount_fen


def test_one_member_tapping_twenty_times_at_once_gets_one_share():
    packet = packet_of(total_fen=3000, shares=30)
    client = logged_in(MemberFactory())

    results, errors = race([lambda: client.post(f"/api/v1/red-packets/{packet.pk}/grab") for _ in range(20)], connections=CONNECTIONS)

    assert not errors
    assert Counter(response.status_code for response in results) == {200: 1, 409: 19}
    assert {response.json()["code"] for response in results if response.status_code == 409} == {"already_grabbed"}
    packet.refresh_from_db()
    assert packet.shares_left == 29 and PacketShare.objects.filter(packet=packet, member__isnull=False).count() == 1
    assert BalanceEntry.objects.filter(source_key__startswith="packet:").count() == 1


def test_grabs_racing_the_expiry_never_return_a_claimed_share():
    """Expiry holds the packet row: a grab either counted itself first (its share is not
    returned) or finds the packet expired and undoes itself. Claimed + returned = total."""
    packet = packet_of(total_fen=6000, shares=60)
    members = [MemberFactory() for _ in range(36)]
    closing = packet.expires_at  # the expiry acts as if the time had come; the grabs still see it open

    def grab(member):
        try:
            return red_packet_grab(packet=RedPacket.objects.get(pk=packet.pk), member=member).amount_fen
        except (CampaignNotActive, PacketEmpty) as refused:
            return refused.code

    workers = [lambda m=m: grab(m) for m in members[:18]]
    def expire():
        time.sleep(0.08)  # let the first grabs get going, so the expiry lands among them
        return red_packet_expire(packet_id=packet.pk, now=closing)

    workers.append(expire)
    workers += [lambda m=m: grab(m) for m in members[18:]]

    results, errors = race(workers, connections=CONNECTIONS)

    assert not errors
    packet.refresh_from_db()
    claimed = PacketShare.objects.filter(packet=packet, member__isnull=False)
    unclaimed = PacketShare.objects.filter(packet=packet, member__isnull=True)
    assert packet.status == PacketStatus.EXPIRED
    assert packet.returned_fen == (unclaimed.aggregate(s=Sum("amount_fen"))["s"] or 0)
    assert (claimed.aggregate(s=Sum("amount_fen"))["s"] or 0) + packet.returned_fen == 6000
    returned, grabs = results[18], results[:18] + results[19:]
    assert returned == packet.returned_fen  # the expiry ran once, and said what it returned
    assert sorted(result for result in grabs if isinstance(result, int)) == sorted(claimed.values_list("amount_fen", flat=True))
    assert {result for result in grabs if not isinstance(result, int)} <= {"campaign_not_active"}
    assert packet.shares_left == 60 - claimed.count()
    assert BalanceEntry.objects.filter(source_key__startswith="packet:").count() == claimed.count()
