from mall.models import ShopSettings
from mall.selectors import cart_count


def shop(request):
    """Shop name for every page title, and the cart badge."""
    member = getattr(request, "user", None)
    return {
        "shop": ShopSettings.load(),
        "cart_count": cart_count(member=member) if member is not None and member.is_authenticated else 0,
    }
