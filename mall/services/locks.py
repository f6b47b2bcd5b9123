from django.contrib.auth import get_user_model


def lock_member(member) -> None:
    """Serialize one member's writes to their cart, addresses and orders.

    Always the first lock a storefront transaction takes, before any SKU row, so the
    lock order is the same everywhere (member, then SKUs by id) and cannot deadlock.
    """
    get_user_model().objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True).first()
