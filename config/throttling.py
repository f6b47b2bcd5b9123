"""Rate limits on what costs the shop stock, money or CPU: each limited action has a
scope with a per-member and a per-IP rate, counted on the shared cache (django-ratelimit's
fixed windows: `cache.add` + atomic `cache.incr`), so the limits hold across processes.

An API view names its scope (`throttle_scope = "order_create"`); the limit applies to the
scope's methods only. Over a limit: 429 `{"code": "rate_limited", "detail"}` with
`Retry-After`. Plain Django views (the WeChat login) use `limit_page(...)`.
"""

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle

from config.client_ip import client_ip

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Scope:
    member: str | None = None  # django-ratelimit rates: "10/m", "30/h", "20/10m"
    ip: str | None = None
    methods: tuple[str, ...] = UNSAFE


def scope(name: str) -> Scope:
    """The limits of a scope, from settings.RATE_LIMITS (plain dicts, so settings import nothing)."""
    return Scope(**settings.RATE_LIMITS[name])


def _ip(group, request) -> str:
    return client_ip(request)


def _member(group, request) -> str:
    return str(request.user.pk) if request.user.is_authenticated else client_ip(request)


def rate_limited(request, *, name: str) -> int | None:
    """Count this request against scope `name`; the seconds to wait when over a limit, else None."""
    limits = scope(name)
    if request.method not in limits.methods:
        return None
    wait = None
    for key, rate in ((_member, limits.member), (_ip, limits.ip)):
        if not rate:
            continue
        usage = get_usage(request, group=f"{name}:{key.__name__}", key=key, rate=rate, increment=True)
        if usage and usage["should_limit"]:
            wait = max(wait or 0, usage["time_left"], 1)  # the window may end this very second
    return wait


def limit_page(name: str, *, render_refusal):
    """A page view limited by scope `name`; over the limit, `render_refusal(request)` is
    answered with status 429 and Retry-After."""

    def decorate(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            wait = rate_limited(request, name=name)
            if wait is None:
                return view(request, *args, **kwargs)
            response = render_refusal(request)
            response.status_code = 429
            response["Retry-After"] = str(int(wait))
            return response

        return limited

    return decorate


class ScopeThrottle(BaseThrottle):
    """DRF's hook for the views that name a `throttle_scope`."""

    def allow_request(self, request, view):
        name = getattr(view, "throttle_scope", None)
        self._wait = rate_limited(request, name=name) if name else None
        return self._wait is None

    def wait(self):
        return self._wait
