from campaigns.models.calendar import (
    Audience,
    Campaign,
    CampaignGoal,
    CampaignSettings,
    CampaignType,
    Participation,
    Play,
    Reward,
    RewardKind,
)
from campaigns.models.checkin import Checkin, CheckinMilestone, CheckinSetup, MilestoneMode, StreakCycle
from campaigns.models.gifts import FollowGift, GiftGrant, Invitation, ReferralGift
from campaigns.models.packets import PacketDelivery, PacketShare, PacketStatus, RedPacket, SharePacketSetup, SplitMode
from campaigns.models.wheel import PrizeKind, PrizeShipment, ShipmentStatus, Spin, SpinCount, Wheel, WheelPrize

__all__ = [
    "Audience", "Campaign", "CampaignGoal", "CampaignSettings", "CampaignType", "Checkin", "CheckinMilestone", "CheckinSetup",
    "FollowGift", "GiftGrant", "Invitation", "MilestoneMode", "PacketDelivery", "PacketShare", "PacketStatus", "Participation",
    "Play", "PrizeKind", "PrizeShipment", "RedPacket", "ReferralGift", "Reward", "RewardKind", "SharePacketSetup", "ShipmentStatus",
    "Spin", "SpinCount", "SplitMode", "StreakCycle", "Wheel", "WheelPrize",
]
