class MemberRecordMixin:
    """The member's one-page record: orders, commissions, points, coupons, campaigns, the conversation."""
