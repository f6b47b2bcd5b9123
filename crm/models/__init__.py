"""The CRM's tables, one module per subject."""

from crm.models.channels import CHANNEL_SCENE_PREFIX, Channel
from crm.models.dashboard import CrmDashboard
from crm.models.drops import CouponDrop
from crm.models.inbox import FollowUp, InboxMessage
from crm.models.links import LinkClick, ShortLink, TrackedEvent
from crm.models.pushes import MONTHLY_PUSH_CEILING, CrmSettings, Push, PushRecipient
from crm.models.recommendations import Recommendation
from crm.models.segments import Segment
from crm.models.stats import PurchasedProduct, PurchaseStats, RfmGroup
from crm.models.tags import MemberTag, Tag

__all__ = [
    "CHANNEL_SCENE_PREFIX", "MONTHLY_PUSH_CEILING", "Channel", "CouponDrop", "CrmDashboard", "CrmSettings", "FollowUp", "InboxMessage", "LinkClick", "MemberTag",
    "Push", "PushRecipient", "PurchaseStats", "PurchasedProduct", "Recommendation", "RfmGroup", "Segment", "ShortLink", "Tag",
    "TrackedEvent",
]
