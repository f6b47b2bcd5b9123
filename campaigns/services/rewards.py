"""Giving a member a reward (points, a coupon or store balance), once per source."""

from campaigns.models import Reward, RewardKind
from mall.errors import SoldOut
from mall.services.coupons import coupon_grant
from members.models import BalanceKind, PointsReason
from members.services.ledgers import BALANCE, POINTS, Movement, ledger_move_once


def reward_give(
    *, reward: Reward, member_id: int, source_key: str, note: str = "", points_reason: str = PointsReason.GIFT
) -> dict | None:
    """What was given, as the API shows it ({"kind": "points", "points": 10} …), or None when
    this source gave already or a coupon ran out."""
    movement = reward_movement(reward=reward, source_key=source_key, note=note, points_reason=points_reason)
    if movement is not None:
        moved = ledger_move_once(
            movement.ledger, member_id=member_id, amount=movement.amount, kind=movement.kind, source_key=source_key, note=note
        )
        return reward_given(reward) if moved else None
    try:
        coupon = coupon_grant(template=reward.coupon_template, member_id=member_id, source_key=source_key)
    except SoldOut:
        return None
    return {"kind": "coupon", "coupon": {"id": coupon.pk, "title": reward.coupon_template.title}} if coupon else None


def reward_movement(
    *, reward: Reward, source_key: str, note: str = "", points_reason: str = PointsReason.GIFT
) -> Movement | None:
    """A points or balance reward as the ledger movement that gives it (a play may chain it
    behind its own statements); None for a coupon."""
    if reward.kind == RewardKind.POINTS:
        return Movement(POINTS, amount=reward.points, kind=points_reason, source_key=source_key, note=note)
    if reward.kind == RewardKind.BALANCE:
        return Movement(BALANCE, amount=reward.balance_fen, kind=BalanceKind.ADJUSTMENT, source_key=source_key, note=note)
    return None


def reward_given(reward: Reward) -> dict:
    """A points or balance reward given, as the API shows it."""
    if reward.kind == RewardKind.POINTS:
        return {"kind": "points", "points": reward.points}
    return {"kind": "balance", "balance_fen": reward.balance_fen}
