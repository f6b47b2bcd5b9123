def member_is_distributor(*, member) -> bool:
    """Whether a member may share for commission. Until the distribution rules land,
    the shop runs on the documented default mode: every member is a distributor."""
    return member.is_active
