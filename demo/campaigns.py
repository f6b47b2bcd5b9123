"""Demo campaigns: a newcomer can check in, spin the wheel, grab a red packet and claim a
coupon the moment the shop starts, then spend the coupon at checkout. Each campaign is
found by its title, so seeding again adds nothing."""

from datetime import timedelta

from django.utils import timezone

from campaigns.models import (
    Campaign,
    CampaignGoal,
    CampaignType,
    CheckinMilestone,
    CheckinSetup,
    FollowGift,
    MilestoneMode,
    PacketDelivery,
    Play,
    PrizeKind,
    RedPacket,
    ReferralGift,
    Reward,
    RewardKind,
    SharePacketSetup,
    SplitMode,
    Wheel,
    WheelPrize,
)
from campaigns.services.packets import red_packet_create
from mall.models import Category, CouponKind, CouponScope, CouponTemplate

RUNS_FOR = timedelta(days=90)


def seed_campaigns() -> None:
    now = timezone.now()
    coupons = _coupon_templates(now)
    _checkin(now, milestone_coupon=coupons["签到 7 天 满99减15"])
    _wheel(now, prize_coupon=coupons["转盘 10 元券"])
    _red_packet(now)
    _coupon_festival(now, [coupons[title] for title in ("新人无门槛 5 元券", "满 199 减 30", "护肤 8 折券")])
    _share_packet(now, coupons["好友分享 3 元券"])
    _follow_gift(now)
    _referral_gift(now, invitee_coupon=coupons["新人无门槛 5 元券"])
    _calendar_only(now)


# title, kind, amount (fen) or percent off, cap, threshold, scope category, public, per member, total
COUPONS = [
    ("新人无门槛 5 元券", CouponKind.AMOUNT, 500, None, 0, None, True, 1, 1000),
    ("满 199 减 30", CouponKind.AMOUNT, 3000, None, 19900, None, True, 2, 500),
    ("护肤 8 折券", CouponKind.PERCENT, 20, 5000, 0, "护肤", True, 1, 300),
    ("签到 7 天 满99减15", CouponKind.AMOUNT, 1500, None, 9900, None, False, 50, None),
    ("转盘 10 元券", CouponKind.AMOUNT, 1000, None, 5900, None, False, 50, 200),
    ("好友分享 3 元券", CouponKind.AMOUNT, 300, None, 0, None, False, 50, None),
]


def _coupon_templates(now) -> dict[str, CouponTemplate]:
    templates = {}
    for title, kind, value, cap, threshold, category, public, per_member, total in COUPONS:
        template, created = CouponTemplate.objects.get_or_create(
            title=title,
            defaults={
                "kind": kind, "amount_fen": value if kind == CouponKind.AMOUNT else 0,
                "percent_off": value if kind == CouponKind.PERCENT else 0, "cap_fen": cap, "threshold_fen": threshold,
                "scope": CouponScope.CATEGORIES if category else CouponScope.ALL, "valid_days": 14,
                "is_public": public, "per_member_limit": per_member, "total": total, "claim_starts_at": now,
            },
        )
        if created and category:
            template.categories.set(Category.objects.filter(name=category))
        templates[title] = template
    return templates


def _campaign(now, title, play, *, type=CampaignType.THEME, goal=CampaignGoal.ACTIVITY, important=True, rules=(),
              starts_in=timedelta(0), runs_for=RUNS_FOR) -> tuple[Campaign, bool]:
    return Campaign.objects.get_or_create(
        title=title, play=play,
        defaults={"type": type, "goal": goal, "is_important": important, "rules": list(rules),
                  "starts_at": now + starts_in - timedelta(hours=1), "ends_at": now + starts_in + runs_for},
    )


def _reward(*, points=0, coupon=None, balance_fen=0) -> Reward:
    kind = RewardKind.COUPON if coupon else RewardKind.BALANCE if balance_fen else RewardKind.POINTS
    return Reward.objects.create(kind=kind, points=points, coupon_template=coupon, balance_fen=balance_fen)


def _checkin(now, *, milestone_coupon) -> None:
    campaign, created = _campaign(
        now, "每日签到领积分", Play.CHECKIN, type=CampaignType.REGULAR, important=False,
        rules=["每天签到得 10 积分", "连签 3 天再得 30 积分，连签 7 天得满 99 减 15 券", "漏签可花 20 积分补签，每月 2 次"],
    )
    if created:
        setup = CheckinSetup.objects.create(campaign=campaign, daily_reward=_reward(points=10), milestone_mode=MilestoneMode.ADD,
                                            makeup_cost_points=20, makeup_per_month=2)
        CheckinMilestone.objects.create(setup=setup, streak_days=3, reward=_reward(points=30))
        CheckinMilestone.objects.create(setup=setup, streak_days=7, reward=_reward(coupon=milestone_coupon))


# name, kind, weight, stock, points, balance (fen), coupon?
PRIZES = [
    ("50 积分", PrizeKind.POINTS, 30, None, 50, 0, False),
    ("10 元券", PrizeKind.COUPON, 15, 200, 0, 0, True),
    ("1 元红包", PrizeKind.RED_PACKET, 10, 100, 0, 100, False),
    ("降噪耳机", PrizeKind.PHYSICAL, 1, 2, 0, 0, False),
    ("5 积分", PrizeKind.POINTS, 20, None, 5, 0, False),
    ("谢谢参与", PrizeKind.NONE, 24, None, 0, 0, False),
]


def _wheel(now, *, prize_coupon) -> None:
    campaign, created = _campaign(
        now, "幸运大转盘", Play.WHEEL, goal=CampaignGoal.ACTIVITY,
        rules=["每次消耗 10 积分，每天 3 次", "积分、优惠券、余额红包即时到账", "抽中实物请在页面填写收货地址"],
    )
    if created:
        wheel = Wheel.objects.create(campaign=campaign, cost_points=10, spins_per_day=3)
        WheelPrize.objects.bulk_create([
            WheelPrize(wheel=wheel, name=name, kind=kind, weight=weight, stock=stock, points=points, balance_fen=balance,
                       coupon_template=prize_coupon if coupon else None, position=position)
            for position, (name, kind, weight, stock, points, balance, coupon) in enumerate(PRIZES)
        ])


def _red_packet(now) -> None:
    campaign, created = _campaign(
        now, "冬日红包雨", Play.RED_PACKET, type=CampaignType.PROMOTION, goal=CampaignGoal.CONVERSION, runs_for=timedelta(days=30),
        rules=["打开红包页，点「抢」", "拼手气金额，存入商城余额", "下单时勾选「使用余额」抵扣"],
    )
    if created or not RedPacket.objects.filter(campaign=campaign).exists():
        red_packet_create(campaign=campaign, title="冬日红包雨 100 元", total_fen=10000, shares=50, split=SplitMode.RANDOM,
                          delivers=PacketDelivery.BALANCE, expires_at=campaign.ends_at, now=now)


def _coupon_festival(now, templates) -> None:
    campaign, created = _campaign(
        now, "冬季领券节", Play.COUPON, type=CampaignType.PROMOTION, goal=CampaignGoal.SALES,
        rules=["在领券中心领取优惠券", "结算时自动选用最划算的一张", "取消订单，券会退回"],
    )
    if created:
        campaign.coupon_templates.set(templates)


def _share_packet(now, template) -> None:
    campaign, created = _campaign(
        now, "下单分享红包", Play.SHARE_PACKET, goal=CampaignGoal.CONVERSION,
        rules=["订单实付满 99 元，完成后得到一个分享红包", "分享给好友，每人可领一张 3 元券", "72 小时内有效"],
    )
    if created:
        SharePacketSetup.objects.create(campaign=campaign, coupon_template=template, shares=5, min_order_fen=9900, valid_hours=72)


def _follow_gift(now) -> None:
    campaign, created = _campaign(now, "关注公众号有礼", Play.FOLLOW_GIFT, type=CampaignType.BRAND, important=False,
                                  rules=["扫描门店海报上的二维码", "关注公众号", "20 积分自动到账"])
    if created:
        FollowGift.objects.create(campaign=campaign, reward=_reward(points=20))


def _referral_gift(now, *, invitee_coupon) -> None:
    campaign, created = _campaign(
        now, "老带新 一起赚", Play.REFERRAL_GIFT, goal=CampaignGoal.SALES, important=False,
        rules=["把商品分享给好友", "好友首单完成", "你得 5 元余额，好友得 5 元无门槛券"],
    )
    if created:
        ReferralGift.objects.create(campaign=campaign, inviter_reward=_reward(balance_fen=500),
                                    invitee_reward=_reward(coupon=invitee_coupon))


def _calendar_only(now) -> None:
    """What the operator has planned next: scheduled, not yet playable."""
    _campaign(now, "年货节", Play.OTHER, type=CampaignType.THEME, goal=CampaignGoal.SALES,
              starts_in=timedelta(days=35), runs_for=timedelta(days=14))
    _campaign(now, "年终大促", Play.OTHER, type=CampaignType.PROMOTION, goal=CampaignGoal.BASKET,
              starts_in=timedelta(days=10), runs_for=timedelta(days=4))
