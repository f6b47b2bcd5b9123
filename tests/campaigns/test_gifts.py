"""Social gifts: a prize for following through a campaign's QR code, once per member
whatever they do; both sides rewarded when an invited member's first order completes."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from wechatpy.pay.utils import dict_to_xml

from campaigns.models import Campaign, FollowGift, GiftGrant, ReferralGift, Reward
from distribution.services.binding import binding_apply
from members.models import Member, PointsEntry
from tests.distribution.conftest import buy, complete
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import deliver_events
from tests.wechat.test_official_account import send

pytestmark = pytest.mark.django_db


def running(play, **fields):
    now = timezone.now()
    return Campaign.objects.create(title=play, play=play, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=7), **fields)


def push(client, openid, event, key="", at=None):
    message = {"ToUserName": "gh_micromall0001", "FromUserName": openid, "CreateTime": str(at or int(time.time())), "MsgType": "event",
               "Event": event, **({"EventKey": key, "Ticket": "t"} if key else {})}
    return send(client, dict_to_xml(message).encode())


def points_of(openid) -> int:
    return Member.objects.get(openid=openid).points


def test_following_through_the_campaign_qr_code_gives_the_prize_once(client):
    campaign = running("follow_gift")
    FollowGift.objects.create(campaign=campaign, reward=Reward.objects.create(kind="points", points=50))
    now = int(time.time())
    push(client, "o_fan_9", "subscribe", f"qrscene_cp_{campaign.pk}", at=now)
    push(client, "o_fan_9", "unsubscribe", at=now + 1)
    push(client, "o_fan_9", "subscribe", f"qrscene_cp_{campaign.pk}", at=now + 2)  # followed again: nothing more
    push(client, "o_fan_9", "SCAN", f"cp_{campaign.pk}", at=now + 3)
    assert points_of("o_fan_9") == 50
    assert GiftGrant.objects.filter(campaign=campaign).count() == 1 and campaign.participations.count() == 1


def test_a_follow_gift_that_is_not_running_gives_nothing(client):
    campaign = running("follow_gift", is_active=False)
    FollowGift.objects.create(campaign=campaign, reward=Reward.objects.create(kind="points", points=50))
    push(client, "o_fan_8", "subscribe", f"qrscene_cp_{campaign.pk}")
    assert points_of("o_fan_8") == 0 and not GiftGrant.objects.exists()


def test_both_sides_are_rewarded_once_when_the_invited_members_first_order_completes():
    campaign = running("referral_gift")
    ReferralGift.objects.create(
        campaign=campaign, inviter_reward=Reward.objects.create(kind="points", points=100), invitee_reward=Reward.objects.create(kind="points", points=30)
    )
    inviter, friend = MemberFactory(), MemberFactory()
    binding_apply(member=friend, code=inviter.referral_code)
    deliver_events()  # "referral.bound" reaches campaigns: the invitation is recorded
    sku = SKUFactory(price_fen=5000)
    first = buy(friend, sku)
    second = buy(friend, sku)
    complete(first)
    deliver_events()
    complete(second)  # a later order completes: no more gifts
    deliver_events()
    reasons = dict(PointsEntry.objects.filter(reason="gift").values_list("member_id", "amount"))
    assert reasons == {inviter.pk: 100, friend.pk: 30}
    assert GiftGrant.objects.filter(campaign=campaign).count() == 2


def test_a_member_who_was_not_invited_gets_no_referral_gift():
    running("referral_gift")
    loner = MemberFactory()
    complete(buy(loner, SKUFactory(price_fen=5000)))
    deliver_events()
    assert not GiftGrant.objects.exists()
