class MemberTagsMixin:
    """Tags on the member list: bulk tag and untag."""
