"""Social gifts: 有奖关注 (a prize for following through the campaign's QR code) and 老带新
(both sides rewarded when an invited member's first order completes), each once."""

from django.db import IntegrityError, transaction

from campaigns.models import GiftGrant, Invitation, Play
from campaigns.selectors import campaigns_running
from campaigns.services.participation import participation_record
from campaigns.services.rewards import reward_give
from mall.models import Order, OrderStatus

FOLLOW_SCENE_PREFIX = "cp_"  # a follow-gift campaign's QR scene: "cp_<campaign id>"


def _grant_once(*, campaign, member_id: int, reason: str, reward) -> bool:
    """The gift and its reward, once per campaign, member and reason (the unique key)."""
    try:
        with transaction.atomic():
            GiftGrant.objects.create(campaign=campaign, member_id=member_id, reason=reason)
            reward_give(reward=reward, member_id=member_id, source_key=f"gift:{campaign.pk}:{member_id}:{reason}", note=str(campaign))
    except IntegrityError:
        return False
    participation_record(campaign=campaign, member_id=member_id)
    return True


def follow_gift_give(*, member_id: int, scene: str) -> bool:
    """A follow (or scan) through a follow-gift campaign's QR code: the prize, once ever,
    however often the member unfollows and follows again."""
    if not scene.startswith(FOLLOW_SCENE_PREFIX) or not scene[len(FOLLOW_SCENE_PREFIX):].isdigit():
        return False
    campaign = campaigns_running().filter(play=Play.FOLLOW_GIFT, pk=int(scene[len(FOLLOW_SCENE_PREFIX):])).select_related("follow_gift__reward").first()
    if campaign is None or not hasattr(campaign, "follow_gift"):
        return False
    return _grant_once(campaign=campaign, member_id=member_id, reason="follow", reward=campaign.follow_gift.reward)


def invitation_record(*, invitee_id: int, inviter_id: int) -> None:
    """The first member who brought someone is their inviter for 老带新."""
    Invitation.objects.bulk_create([Invitation(invitee_id=invitee_id, inviter_id=inviter_id)], ignore_conflicts=True)


def referral_gift_give(*, order: Order) -> int:
    """An invited member's first completed order: both sides rewarded, once. How many gifts went out."""
    invitation = Invitation.objects.filter(invitee_id=order.member_id).first()
    if invitation is None:
        return 0
    first_completed = Order.objects.filter(member_id=order.member_id, status=OrderStatus.COMPLETED).order_by("completed_at", "id").first()
    if first_completed is None or first_completed.pk != order.pk:
        return 0
    given = 0
    for campaign in campaigns_running().filter(play=Play.REFERRAL_GIFT).select_related("referral_gift__inviter_reward", "referral_gift__invitee_reward"):
        if not hasattr(campaign, "referral_gift"):
            continue
        setup = campaign.referral_gift
        given += _grant_once(campaign=campaign, member_id=order.member_id, reason="invited", reward=setup.invitee_reward)
        given += _grant_once(campaign=campaign, member_id=invitation.inviter_id, reason=f"inviter:{order.member_id}", reward=setup.inviter_reward)
    return given
