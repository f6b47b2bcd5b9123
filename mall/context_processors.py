from urllib.parse import urlencode

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from mall.selectors import cart_count, shop_settings_shown


def shop(request):
    """Shop name for every page title, the cart badge, and the link a share carries
    (this page, with the sharer's referral code when they are logged in)."""
    return {
        "shop": shop_settings_shown(),
        "cart_count": SimpleLazyObject(lambda: cart_count_once(request)) if _logged_in(request) else 0,
        "site_url": settings.SITE_URL,
        "share_link": share_link(request),
    }


def share_link(request) -> str:
    query = request.GET.copy()
    query.pop("ref", None)
    if _logged_in(request):
        query["ref"] = request.user.referral_code
    return f"{settings.SITE_URL}{request.path}" + (f"?{urlencode(query)}" if query else "")


def cart_count_once(request) -> int:
    """Counted when a template shows the badge, once a request. Context processors run for
    every template rendered with the request, and unfold renders each admin component
    (cards, buttons, tabs) that way: counting eagerly cost the admin home 35 queries for a
    badge no admin page shows."""
    if not _logged_in(request):
        return 0
    if not hasattr(request, "_cart_count"):
        request._cart_count = cart_count(member=request.user)
    return request._cart_count


def _logged_in(request) -> bool:
    member = getattr(request, "user", None)
    return member is not None and member.is_authenticated
