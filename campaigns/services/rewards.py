"""Giving a member a reward (points, a coupon or store balance), once per source."""

from campaigns.models import Reward, RewardKind
from mall.errors import SoldOut
from mall.services.coupons import coupon_grant
from members.models import BalanceKind, PointsReason
from members.services.balance import balance_move_once
from members.services.points import points_move_once


def reward_give(*, reward: Reward, member_id: int, source_key: str, note: str = "", points_reason: str = PointsReason.GIFT) -> dict | None:
    """What was given, as the API shows it ({"kind": "points", "points": 10} …), or None when
    this source gave already or a coupon ran out."""
    if reward.kind == RewardKind.POINTS:
        moved = points_move_once(member_id=member_id, amount=reward.points, reason=points_reason, source_key=source_key, note=note)
        return {"kind": "points", "points": reward.points} if moved else None
    if reward.kind == RewardKind.COUPON:
        try:
            coupon = coupon_grant(template=reward.coupon_template, member_id=member_id, source_key=source_key)
        except SoldOut:
            return None
        return {"kind": "coupon", "coupon": {"id": coupon.pk, "title": reward.coupon_template.title}} if coupon else None
    moved = balance_move_once(member_id=member_id, amount_fen=reward.balance_fen, kind=BalanceKind.ADJUSTMENT, source_key=source_key, note=note)
    return {"kind": "balance", "balance_fen": reward.balance_fen} if moved else None
