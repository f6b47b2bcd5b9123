"""Red packets (抢红包) and share red packets (分享红包): the split, making a packet, a grab
(once, empty, expired, each delivery), expiry returning the remainder once, the share
packet a paid order gives, the API as API.md states it, the page, and the back office."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from campaigns import selectors
from campaigns.errors import AlreadyGrabbed, CampaignNotActive, PacketEmpty
from campaigns.models import Campaign, PacketShare, PacketStatus, Participation, Play, RedPacket, SharePacketSetup
from campaigns.services.packets import (
    red_packet_cash_send,
    red_packet_create,
    red_packet_grab,
    red_packets_expire,
    share_packet_give,
    split_total,
)
from config.errors import InvalidInput
from mall.errors import SoldOut
from mall.models import Coupon, CouponStatus, CouponTemplate, Order
from members.models import BalanceEntry, Member
from outbox.models import Delivery, DeliveryStatus
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import deliver_events
from tests.journeys import pay_at_cashier, place_order
from wechat.emulator.models import EmulatedUser, MchRedPack

pytestmark = pytest.mark.django_db

SPLIT = hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# --- The split -------------------------------------------------------------------------------


@SPLIT
@given(data=st.data(), shares=st.integers(min_value=1, max_value=300), mode=st.sampled_from(["random", "equal"]))
def test_a_split_adds_up_exactly_and_every_share_is_at_least_a_fen(data, shares, mode):
    total = data.draw(st.integers(min_value=shares, max_value=shares * 100_000))
    amounts = split_total(total, shares, mode)
    assert len(amounts) == shares and sum(amounts) == total and min(amounts) >= 1


@SPLIT
@given(data=st.data(), shares=st.integers(min_value=1, max_value=200), mode=st.sampled_from(["random", "equal"]))
def test_a_cash_split_keeps_every_share_within_wechats_1_to_200_yuan(data, shares, mode):
    total = data.draw(st.integers(min_value=shares * 100, max_value=shares * 20_000))
    amounts = split_total(total, shares, mode, low=100, high=20_000)
    assert sum(amounts) == total and all(100 <= amount <= 20_000 for amount in amounts)


@SPLIT
@given(data=st.data(), shares=st.integers(min_value=2, max_value=100))
def test_a_random_share_is_drawn_within_twice_the_mean_of_what_is_left(data, shares):
    total = data.draw(st.integers(min_value=shares, max_value=shares * 10_000))
    amounts, left = split_total(total, shares, "random"), total
    for position, amount in enumerate(amounts[:-1]):
        still = shares - position
        assert 1 <= amount <= 2 * left // still
        left -= amount
    assert amounts[-1] == left


def test_an_equal_split_spreads_the_remainder_a_fen_at_a_time():
    assert split_total(1000, 3, "equal") == [334, 333, 333]
    assert split_total(900, 3, "equal") == [300, 300, 300]


def test_a_random_split_varies():
    assert len({tuple(split_total(10_000, 10, "random")) for _ in range(5)}) > 1


@pytest.mark.parametrize("total, shares, low, high", [(2, 3, 1, None), (299, 3, 100, 20_000), (60_001, 3, 100, 20_000), (10, 0, 1, None)])
def test_an_impossible_split_is_refused(total, shares, low, high):
    with pytest.raises(ValueError):
        split_total(total, shares, "random", low=low, high=high)


# --- Making a packet -------------------------------------------------------------------------


def campaign_of(play=Play.RED_PACKET, *, starts=-1, ends=24 * 7, is_active=True, title="抢红包") -> Campaign:
    now = timezone.now()
    return Campaign.objects.create(title=title, play=play, starts_at=now + timedelta(hours=starts), ends_at=now + timedelta(hours=ends),
                                   is_active=is_active)


def make_packet(*, campaign="new", total_fen=1000, shares=5, split="random", delivers="balance", hours=24, **extra) -> RedPacket:
    campaign = campaign_of() if campaign == "new" else campaign
    return red_packet_create(campaign=campaign, title="周末红包", total_fen=total_fen, shares=shares, split=split, delivers=delivers,
                             expires_at=timezone.now() + timedelta(hours=hours), **extra)


def no_threshold(amount_fen=500, **fields) -> CouponTemplate:
    return CouponTemplate.objects.create(title=f"{amount_fen // 100} 元无门槛", amount_fen=amount_fen, is_public=False, **fields)


def test_a_packet_is_made_with_all_its_shares_adding_up_to_its_total():
    packet = make_packet(total_fen=1234, shares=7)
    shares = list(packet.share_set.order_by("position"))
    assert [share.position for share in shares] == list(range(1, 8))
    assert sum(share.amount_fen for share in shares) == 1234 and packet.shares_left == 7
    assert all(share.member_id is None for share in shares)


@pytest.mark.parametrize("fields, field", [
    ({"total_fen": 4, "shares": 5}, "total_fen"),
    ({"delivers": "wechat_cash", "total_fen": 499, "shares": 5}, "total_fen"),
    ({"delivers": "wechat_cash", "total_fen": 20_001, "shares": 1}, "total_fen"),
    ({"hours": -1}, "expires_at"),
    ({"shares": 0}, "shares"),
])
def test_a_packet_that_breaks_a_rule_is_not_made(fields, field):
    with pytest.raises(InvalidInput) as refused:
        make_packet(**fields)
    assert field in refused.value.fields
    assert not RedPacket.objects.exists() and not PacketShare.objects.exists()


def test_a_packet_belongs_to_a_red_packet_campaign():
    with pytest.raises(InvalidInput) as refused:
        make_packet(campaign=campaign_of(Play.WHEEL))
    assert "campaign" in refused.value.fields


def test_a_cash_packet_at_the_limits_is_made():
    assert make_packet(delivers="wechat_cash", total_fen=500, shares=5).share_set.filter(amount_fen=100).count() == 5
    assert make_packet(delivers="wechat_cash", total_fen=40_000, shares=2).share_set.filter(amount_fen=20_000).count() == 2


def test_a_coupon_packet_needs_a_no_threshold_amount_coupon_and_equal_shares():
    with pytest.raises(InvalidInput):
        make_packet(delivers="coupon", split="equal")  # no template
    with pytest.raises(InvalidInput):
        make_packet(delivers="coupon", split="equal", coupon_template=no_threshold(threshold_fen=10_000))
    with pytest.raises(InvalidInput):
        make_packet(delivers="coupon", split="equal", coupon_template=CouponTemplate.objects.create(title="8 折", kind="percent", percent_off=20))
    with pytest.raises(InvalidInput) as refused:
        make_packet(delivers="coupon", split="random", coupon_template=no_threshold())
    assert "split" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        make_packet(delivers="coupon", split="equal", total_fen=1001, shares=5, coupon_template=no_threshold())
    assert "total_fen" in refused.value.fields


def test_a_coupon_packet_takes_its_coupons_from_stock_when_made():
    template = no_threshold(200, total=10)
    packet = make_packet(delivers="coupon", split="equal", total_fen=1000, shares=5, coupon_template=template)
    template.refresh_from_db()
    assert packet.coupon_template == template and template.claimed == 5
    with pytest.raises(SoldOut):
        make_packet(delivers="coupon", split="equal", total_fen=1200, shares=6, coupon_template=template)
    template.refresh_from_db()
    assert template.claimed == 5 and RedPacket.objects.count() == 1


def test_a_coupon_packet_worth_another_amount_gets_a_dedicated_template_at_the_share_amount():
    template = no_threshold(500)
    packet = make_packet(delivers="coupon", split="equal", total_fen=900, shares=3, coupon_template=template)
    dedicated = CouponTemplate.objects.get(pk=packet.coupon_template_id)
    assert dedicated != template and (dedicated.amount_fen, dedicated.threshold_fen, dedicated.total, dedicated.claimed) == (300, 0, 3, 3)
    assert not dedicated.is_public


# --- Grabbing --------------------------------------------------------------------------------


def test_a_grab_claims_one_share_and_puts_it_in_the_balance():
    packet = make_packet(total_fen=1000, shares=5)
    member = MemberFactory()
    share = red_packet_grab(packet=packet, member=member)
    packet.refresh_from_db()
    assert packet.shares_left == 4 and share.member == member and share.grabbed_at is not None
    entry = BalanceEntry.objects.get(source_key=f"packet:{share.pk}")
    assert entry.amount_fen == share.amount_fen and Member.objects.get(pk=member.pk).balance_fen == share.amount_fen
    assert PacketShare.objects.get(pk=share.pk).delivery_reference == share.delivery_reference == f"balance:{entry.source_key}"
    assert Participation.objects.filter(campaign=packet.campaign, member=member).exists()


def test_a_member_grabs_once():
    packet, member = make_packet(), MemberFactory()
    red_packet_grab(packet=packet, member=member)
    with pytest.raises(AlreadyGrabbed):
        red_packet_grab(packet=packet, member=member)
    assert PacketShare.objects.filter(member=member).count() == 1 and BalanceEntry.objects.filter(member=member).count() == 1


def test_when_every_share_is_taken_the_packet_is_empty():
    packet = make_packet(total_fen=300, shares=3)
    grabbed = [red_packet_grab(packet=packet, member=MemberFactory()) for _ in range(3)]
    with pytest.raises(PacketEmpty):
        red_packet_grab(packet=packet, member=MemberFactory())
    assert sum(share.amount_fen for share in grabbed) == 300
    packet.refresh_from_db()
    assert packet.shares_left == 0


def test_shares_are_grabbed_in_order_and_one_left_behind_is_still_found():
    packet = make_packet(total_fen=500, shares=5)
    # The second share claimed before the first (as grabs of older code could leave them).
    PacketShare.objects.filter(packet=packet, position=2).update(member=MemberFactory(), grabbed_at=timezone.now())
    RedPacket.objects.filter(pk=packet.pk).update(shares_left=4)
    positions = [red_packet_grab(packet=packet, member=MemberFactory()).position for _ in range(4)]
    assert positions == [3, 4, 5, 1]  # from where the counter says first, then the one below it
    packet.refresh_from_db()
    assert packet.shares_left == 0 and not packet.share_set.filter(member__isnull=True).exists()


def test_an_expired_packet_cannot_be_grabbed():
    packet = make_packet()
    with pytest.raises(CampaignNotActive):
        red_packet_grab(packet=packet, member=MemberFactory(), now=packet.expires_at + timedelta(seconds=1))
    assert not PacketShare.objects.filter(member__isnull=False).exists()


@pytest.mark.parametrize("campaign_fields", [{"ends": -1, "starts": -48}, {"starts": 2}, {"is_active": False}])
def test_a_packet_of_a_campaign_not_running_cannot_be_grabbed(campaign_fields):
    packet = make_packet(campaign=campaign_of(**campaign_fields))
    with pytest.raises(CampaignNotActive):
        red_packet_grab(packet=packet, member=MemberFactory())


def test_a_coupon_share_becomes_a_coupon_worth_the_share():
    template = no_threshold(300, total=3)
    packet = make_packet(delivers="coupon", split="equal", total_fen=900, shares=3, coupon_template=template)
    member = MemberFactory()
    share = red_packet_grab(packet=packet, member=member)
    coupon = Coupon.objects.get(source_key=f"packet:{share.pk}")
    assert (coupon.member, coupon.template.amount_fen, coupon.status) == (member, share.amount_fen, CouponStatus.UNUSED)
    assert PacketShare.objects.get(pk=share.pk).delivery_reference == share.delivery_reference == f"coupon:{coupon.source_key}"
    template.refresh_from_db()
    assert template.claimed == 3  # taken when the packet was made, not again


# --- WeChat cash, through the emulator -------------------------------------------------------


def wechat_member(**fields) -> Member:
    member = MemberFactory(**fields)
    EmulatedUser.objects.create(openid=member.openid, unionid=f"u_{member.openid}", nickname=member.nickname)
    return member


def cash_packet(**fields) -> RedPacket:
    return make_packet(delivers="wechat_cash", total_fen=1500, shares=5, **fields)


def test_a_cash_share_goes_out_as_a_wechat_red_packet_after_the_grab():
    packet, member = cash_packet(), wechat_member()
    share = red_packet_grab(packet=packet, member=member)
    assert not MchRedPack.objects.exists()  # after commit, through the outbox
    deliver_events()
    sent = MchRedPack.objects.get()
    assert (sent.openid, sent.total_amount, sent.act_name) == (member.openid, share.amount_fen, "周末红包")
    assert 100 <= sent.total_amount <= 20_000 and len(sent.mch_billno) == 28
    share.refresh_from_db()
    assert share.delivery_reference == f"{sent.mch_billno}:{sent.send_listid}"
    assert not BalanceEntry.objects.filter(member=member).exists()


def test_a_cash_share_is_sent_once_however_often_the_payout_runs():
    packet, member = cash_packet(), wechat_member()
    share = red_packet_grab(packet=packet, member=member)
    deliver_events()
    assert red_packet_cash_send(share_id=share.pk) == "nothing"
    PacketShare.objects.filter(pk=share.pk).update(delivery_reference=share.delivery_reference)  # as if the first answer was lost
    assert red_packet_cash_send(share_id=share.pk) == "sent"
    assert MchRedPack.objects.count() == 1


def test_a_wechat_failure_keeps_the_grab_and_the_payout_is_retried(monkeypatch):
    from wechat.emulator import mch

    packet, member = cash_packet(), wechat_member()
    real = mch.send_red_pack
    monkeypatch.setattr(mch, "send_red_pack", lambda request: mch._protocol_fail("系统繁忙"))
    from wechat.emulator import urls  # the URL pattern holds the view it was built with

    pattern = next(p for p in urls.urlpatterns if p.name == "send_red_pack")
    monkeypatch.setattr(pattern, "callback", urls.only_from_this_machine(mch.send_red_pack))
    share = red_packet_grab(packet=packet, member=member)
    deliver_events()
    delivery = Delivery.objects.get(subscriber="campaigns.red_packet_cash")
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and "系统繁忙" in delivery.last_error
    share.refresh_from_db()
    assert share.member == member and not MchRedPack.objects.exists()

    monkeypatch.setattr(pattern, "callback", urls.only_from_this_machine(real))
    from outbox.services import deliveries_deliver_due

    deliveries_deliver_due(now=timezone.now() + timedelta(minutes=5))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DONE and MchRedPack.objects.get().total_amount == share.amount_fen


def test_a_member_wechat_cannot_pay_gets_the_cash_share_in_balance():
    packet, member = cash_packet(), MemberFactory()  # WeChat does not know this openid
    share = red_packet_grab(packet=packet, member=member)
    deliver_events()
    assert not MchRedPack.objects.exists()
    entry = BalanceEntry.objects.get(source_key=f"packet:{share.pk}")
    assert entry.amount_fen == share.amount_fen
    share.refresh_from_db()
    assert share.delivery_reference == f"balance:{entry.source_key}"
    assert Delivery.objects.get(subscriber="campaigns.red_packet_cash").status == DeliveryStatus.DONE


# --- Expiry ----------------------------------------------------------------------------------


def test_expiry_returns_exactly_the_unclaimed_sum_once():
    packet = make_packet(total_fen=1000, shares=5)
    grabbed = [red_packet_grab(packet=packet, member=MemberFactory()) for _ in range(2)]
    later = packet.expires_at + timedelta(minutes=1)
    assert red_packets_expire(now=later) == {"expired": 1, "returned_fen": 1000 - sum(share.amount_fen for share in grabbed)}
    packet.refresh_from_db()
    assert packet.status == PacketStatus.EXPIRED and packet.returned_fen == 1000 - sum(share.amount_fen for share in grabbed)
    assert red_packets_expire(now=later + timedelta(hours=1)) == {"expired": 0, "returned_fen": 0}
    packet.refresh_from_db()
    assert packet.returned_fen == 1000 - sum(share.amount_fen for share in grabbed)
    with pytest.raises(CampaignNotActive):
        red_packet_grab(packet=packet, member=MemberFactory())


def test_a_packet_not_yet_expired_is_left_alone():
    packet = make_packet()
    assert red_packets_expire() == {"expired": 0, "returned_fen": 0}
    packet.refresh_from_db()
    assert packet.status == PacketStatus.ACTIVE


def test_an_expired_coupon_packet_gives_its_unclaimed_coupons_back_to_stock():
    template = no_threshold(100, total=10)
    packet = make_packet(delivers="coupon", split="equal", total_fen=500, shares=5, coupon_template=template)
    red_packet_grab(packet=packet, member=MemberFactory())
    red_packets_expire(now=packet.expires_at)
    template.refresh_from_db()
    assert template.claimed == 1
    packet.refresh_from_db()
    assert packet.returned_fen == 400


def test_the_command_and_the_schedule_expire_packets():
    from django_celery_beat.models import PeriodicTask

    packet = make_packet()
    RedPacket.objects.filter(pk=packet.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    call_command("expire_red_packets")
    packet.refresh_from_db()
    assert (packet.status, packet.returned_fen) == (PacketStatus.EXPIRED, 1000)
    task = PeriodicTask.objects.get(task="campaigns.tasks.expire_red_packets")
    assert task.interval.every == 600 and task.interval.period == "seconds"


# --- Share red packets (分享红包) ------------------------------------------------------------


@pytest.fixture
def sharing():
    """A running share-packet campaign: orders of ¥50 or more give 3 coupons of ¥5."""
    campaign = campaign_of(Play.SHARE_PACKET, title="分享红包")
    return SharePacketSetup.objects.create(campaign=campaign, coupon_template=no_threshold(500), shares=3, min_order_fen=5000, valid_hours=48)


def paid_order(api, price_fen=9900) -> Order:
    order = pay_at_cashier(api, place_order(api, SKUFactory(price_fen=price_fen)))
    deliver_events()
    return order


def test_a_paid_order_gives_its_buyer_one_share_packet(member_api, member, sharing):
    order = paid_order(member_api)
    packet = RedPacket.objects.get(order=order)
    assert (packet.owner, packet.campaign, packet.delivers, packet.split, packet.shares) == (member, sharing.campaign, "coupon", "equal", 3)
    assert packet.total_fen == 1500 and packet.coupon_template == sharing.coupon_template
    assert sorted(packet.share_set.values_list("amount_fen", flat=True)) == [500, 500, 500]
    assert share_packet_give(order=order) == packet  # the same order again: the same packet
    assert RedPacket.objects.filter(order=order).count() == 1


def test_an_order_below_the_minimum_gives_no_share_packet(member_api, sharing):
    paid_order(member_api, price_fen=1000)
    assert not RedPacket.objects.exists()


def test_no_running_share_campaign_no_share_packet(member_api, sharing):
    Campaign.objects.filter(pk=sharing.campaign_id).update(is_active=False)
    paid_order(member_api)
    assert not RedPacket.objects.exists()


def test_friends_claim_a_share_packet_once_each(member_api, sharing, api_for):
    order = paid_order(member_api)
    packet = RedPacket.objects.get(order=order)
    friends = [MemberFactory() for _ in range(4)]
    answers = [api_for(friend).post(f"/api/v1/red-packets/{packet.pk}/grab") for friend in friends]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 409]
    assert answers[0].json() == {"amount_fen": 500, "delivers": "coupon", "where": "已放入「我的优惠券」，下单时可直接抵扣", "shares_left": 2}
    assert answers[3].json()["code"] == "packet_empty"
    again = api_for(friends[0]).post(f"/api/v1/red-packets/{packet.pk}/grab")
    assert again.status_code == 409 and again.json()["code"] == "already_grabbed"
    assert Coupon.objects.filter(member__in=friends[:3], template=sharing.coupon_template).count() == 3


def test_the_order_page_offers_the_share_packet_and_the_api_finds_it(member_api, client, member, sharing):
    order = paid_order(member_api)
    client.force_login(member)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert f'data-share-packet-order="{order.number}"' in page and "分享红包给好友" in page and "js/red_packet.js" in page
    listed = member_api.get(f"/api/v1/red-packets?order={order.number}").json()
    assert listed["count"] == 1 and listed["results"][0]["path"] == f"/red-packets/{RedPacket.objects.get().pk}/"
    assert member_api.get("/api/v1/red-packets?order=nope\x00").json()["count"] == 0


def test_someone_elses_share_packets_are_not_listed(member_api, api_for, sharing):
    order = paid_order(member_api)
    assert api_for(MemberFactory()).get(f"/api/v1/red-packets?order={order.number}").json()["count"] == 0


def test_sharer_stats_count_claims_new_members_and_orders(member_api, member, sharing, api_for):
    order = paid_order(member_api)
    packet = RedPacket.objects.get(order=order)
    old_friend = MemberFactory()
    Member.objects.filter(pk=old_friend.pk).update(date_joined=packet.created_at - timedelta(days=30))
    new_friend = MemberFactory()
    for friend in (old_friend, new_friend):
        assert api_for(friend).post(f"/api/v1/red-packets/{packet.pk}/grab").status_code == 200
    # The new friend's coupon took part in an order of theirs.
    friends_order = place_order(api_for(new_friend), SKUFactory(price_fen=3000))
    Coupon.objects.filter(member=new_friend).update(status=CouponStatus.USED, order=friends_order, used_at=timezone.now())

    [row] = selectors.share_packet_sharers()
    assert (row.member_id, row.packets, row.claims, row.new_members, row.orders) == (member.pk, 1, 2, 1, 1)
    stats = selectors.red_packets_with_stats(RedPacket.objects.filter(pk=packet.pk)).get()
    assert (stats.claims, stats.new_members, stats.orders) == (2, 1, 1)


# --- The API as API.md states it -------------------------------------------------------------


def test_the_packet_as_the_api_shows_it_before_and_after_a_grab(member_api):
    packet = make_packet(total_fen=1000, shares=5)
    body = member_api.get(f"/api/v1/red-packets/{packet.pk}").json()
    contract = {"id", "title", "total_fen", "shares", "shares_left", "expires_at", "my_amount_fen"}
    assert contract <= set(body)
    assert (body["id"], body["total_fen"], body["shares"], body["shares_left"], body["my_amount_fen"]) == (packet.pk, 1000, 5, 5, None)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00", body["expires_at"])
    grab = member_api.post(f"/api/v1/red-packets/{packet.pk}/grab")
    assert grab.status_code == 200 and grab.json()["delivers"] == "balance"
    after = member_api.get(f"/api/v1/red-packets/{packet.pk}").json()
    assert after["my_amount_fen"] == grab.json()["amount_fen"] and after["shares_left"] == 4 and not after["can_grab"]
    assert [g["amount_fen"] for g in after["grabs"]] == [grab.json()["amount_fen"]]


def test_the_api_answers_409_with_its_codes(member_api, api_for):
    packet = make_packet(total_fen=100, shares=1)
    assert member_api.post(f"/api/v1/red-packets/{packet.pk}/grab").status_code == 200
    again = member_api.post(f"/api/v1/red-packets/{packet.pk}/grab")
    assert (again.status_code, again.json()["code"]) == (409, "already_grabbed")
    empty = api_for(MemberFactory()).post(f"/api/v1/red-packets/{packet.pk}/grab")
    assert (empty.status_code, empty.json()["code"]) == (409, "packet_empty")
    expired = make_packet()
    RedPacket.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    late = member_api.post(f"/api/v1/red-packets/{expired.pk}/grab")
    assert (late.status_code, late.json()["code"]) == (409, "campaign_not_active")
    assert late.json()["detail"]


def test_the_api_needs_a_login_and_a_packet_that_exists(api, member_api):
    packet = make_packet()
    for response in (api.get(f"/api/v1/red-packets/{packet.pk}"), api.post(f"/api/v1/red-packets/{packet.pk}/grab")):
        assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    for response in (member_api.get("/api/v1/red-packets/999999"), member_api.post("/api/v1/red-packets/999999/grab")):
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_grabs_are_rate_limited_in_the_grab_scope(member_api, settings):
    from campaigns.api.packets import RedPacketGrabApi

    assert RedPacketGrabApi.throttle_scope == "grab"
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "grab": {"member": "2/m", "ip": None}}
    packet = make_packet()
    codes = [member_api.post(f"/api/v1/red-packets/{packet.pk}/grab").status_code for _ in range(3)]
    assert codes == [200, 409, 429]


# --- The page --------------------------------------------------------------------------------


def test_the_page_opens_the_packet_and_lists_who_got_how_much(client):
    packet = make_packet(total_fen=1000, shares=2)
    first, me = MemberFactory(nickname="阿花"), MemberFactory()
    grabbed = red_packet_grab(packet=packet, member=first)
    client.force_login(me)
    page = client.get(f"/red-packets/{packet.pk}/").content.decode()
    assert "周末红包" in page and "data-grab aria-label" in page and "阿花" in page and f"¥{grabbed.amount_fen // 100}." in page
    assert 'name="share:title"' in page and "js/red_packet.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page, re.I)
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", page, re.I)

    mine = red_packet_grab(packet=packet, member=me)
    page = client.get(f"/red-packets/{packet.pk}/").content.decode()
    assert "data-grab aria-label" not in page and "已存入商城余额" in page and "手气最佳" in page
    assert f"{mine.amount_fen // 100}.{mine.amount_fen % 100:02d}" in page


def test_the_page_asks_a_visitor_to_log_in(client):
    packet = make_packet()
    response = client.get(f"/red-packets/{packet.pk}/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_sharer_sees_how_to_pass_it_on_and_leaves_the_shares_to_friends(member_api, client, member, sharing):
    paid_order(member_api)
    packet = RedPacket.objects.get()
    client.force_login(member)
    page = client.get(f"/red-packets/{packet.pk}/").content.decode()
    assert "把红包分享给好友" in page and f"{member.nickname} 送你一个红包" in page and "还剩 3 份" in page
    assert "data-grab aria-label" not in page
    mine = member_api.post(f"/api/v1/red-packets/{packet.pk}/grab")
    assert (mine.status_code, mine.json()["code"]) == (409, "already_grabbed") and "好友" in mine.json()["detail"]
    assert member_api.get(f"/api/v1/red-packets/{packet.pk}").json()["can_grab"] is False


# --- The back office -------------------------------------------------------------------------


@pytest.fixture
def operator_client(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    return client


def admin_form(campaign, **fields):
    expires = timezone.localtime() + timedelta(days=1)
    data = {"campaign": campaign.pk, "title": "双十一红包", "total_fen": "100.00", "shares": "10", "split": "random", "delivers": "balance",
            "coupon_template": "", "expires_at_0": expires.strftime("%Y-%m-%d"), "expires_at_1": expires.strftime("%H:%M:%S")}
    return {**data, **fields}


def test_an_operator_makes_a_packet_in_the_admin(operator_client):
    campaign = campaign_of()
    response = operator_client.post("/admin/campaigns/redpacket/add/", admin_form(campaign))
    assert response.status_code == 302, response.content.decode()[:3000]
    packet = RedPacket.objects.get()
    assert (packet.total_fen, packet.shares, packet.shares_left) == (10_000, 10, 10)
    assert sum(packet.share_set.values_list("amount_fen", flat=True)) == 10_000
    page = operator_client.get(f"/admin/campaigns/redpacket/{packet.pk}/change/")
    assert page.status_code == 200 and "份额" in page.content.decode()
    assert operator_client.get("/admin/campaigns/redpacket/").status_code == 200


@pytest.mark.parametrize("fields, message", [
    ({"total_fen": "0.05"}, "每份至少 1 分"),
    ({"delivers": "wechat_cash", "total_fen": "2001.00"}, "1 到 200 元"),
    ({"delivers": "wechat_cash", "total_fen": "9.99"}, "1 到 200 元"),
    ({"expires_at_0": "2020-01-01"}, "过期时间必须晚于现在"),
    ({"delivers": "coupon"}, "优惠券红包请选择"),
])
def test_the_admin_refuses_a_packet_that_breaks_a_rule(operator_client, fields, message):
    response = operator_client.post("/admin/campaigns/redpacket/add/", admin_form(campaign_of(), **fields))
    assert response.status_code == 200 and message in response.content.decode()
    assert not RedPacket.objects.exists()


def test_the_admin_shows_what_each_sharer_brought(operator_client, member_api, member, sharing):
    paid_order(member_api)
    page = operator_client.get("/admin/campaigns/redpacket/sharers/")
    assert page.status_code == 200 and member.nickname in page.content.decode()
    assert operator_client.get("/admin/campaigns/sharepacketsetup/").status_code == 200
    assert operator_client.get(f"/admin/campaigns/sharepacketsetup/{sharing.pk}/change/").status_code == 200
