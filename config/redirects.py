from django.utils.http import url_has_allowed_host_and_scheme


def local_next(request, default: str = "", param: str = "next") -> str:
    """`?next=` (or `param`) when it is a path on this site, else `default`. Django's
    check also refuses the tricks (`//host`, `/\\host`, `javascript:`) a prefix test misses."""
    next_url = request.GET.get(param, "")
    safe = url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return next_url if safe and next_url.startswith("/") else default
