from urllib.parse import urlencode

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from mall.models import ShopSettings
from mall.selectors import cart_count


def shop(request):
    """Shop name for every page title, the cart badge, and the link a share carries
    (this page, with the sharer's referral code when they are logged in)."""
    member = getattr(request, "user", None)
    logged_in = member is not None and member.is_authenticated
    query = request.GET.copy()
    query.pop("ref", None)
    if logged_in:
        query["ref"] = member.referral_code
    return {
        "shop": ShopSettings.get_solo(),
        "cart_count": SimpleLazyObject(lambda: _cart_count_once(request)) if logged_in else 0,
        "site_url": settings.SITE_URL,
        "share_link": f"{settings.SITE_URL}{request.path}" + (f"?{urlencode(query)}" if query else ""),
    }


def _cart_count_once(request) -> int:
    """Counted when a template shows the badge, once a request. Context processors run for
    every template rendered with the request, and unfold renders each admin component
    (cards, buttons, tabs) that way: counting eagerly cost the admin home 35 queries for a
    badge no admin page shows."""
    if not hasattr(request, "_cart_count"):
        request._cart_count = cart_count(member=request.user)
    return request._cart_count
