"""The back office's one exception to the Content-Security-Policy."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse


class AdminScriptPolicyMiddleware:
    """Lets the operator back office (django-unfold) evaluate its Alpine.js expressions.

    Unfold's standard Alpine.js build compiles `x-data`/`x-on` attributes with
    `new Function`, which needs 'unsafe-eval' in script-src. Only admin pages get it:
    the store, the API docs and every page a shopper sees keep the strict policy. Scripts
    still come only from our own static files: no 'unsafe-inline' anywhere, so HTML that
    slips into content (a product description, a nickname) cannot run even in the admin.

    Placed after django-csp's middleware in MIDDLEWARE, so on the way out it runs first
    and django-csp builds the header with this update (`response._csp_update`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(_admin_prefix(get_script_prefix(), get_urlconf())):
            update = dict(getattr(response, "_csp_update", None) or {})
            update["script-src"] = [*update.get("script-src", ()), "'unsafe-eval'"]
            response._csp_update = update
        return response


@lru_cache(maxsize=8)
def _admin_prefix(script_prefix: str, urlconf) -> str:
    """Where the admin lives: reversed once per script prefix and URLconf, not per request."""
    return reverse("admin:index", urlconf=urlconf)


@receiver(setting_changed)
def _forget_admin_prefix(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _admin_prefix.cache_clear()
