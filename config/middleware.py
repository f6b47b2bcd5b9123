"""The Content-Security-Policy header, and the back office's one exception to it; messages
storage made only for the requests that use it."""

from functools import lru_cache

from csp.constants import HEADER
from csp.utils import build_policy
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject, empty


class ContentSecurityPolicyMiddleware:
    """Every response carries the policy of CONTENT_SECURITY_POLICY, written by django-csp
    from the settings once per process rather than once per response (building it cost a
    product page a tenth of its own SQL). No page uses nonces or per-view updates; a view
    that needs its own policy sets the header itself.

    The one exception is the operator back office (django-unfold): its standard Alpine.js
    build compiles `x-data`/`x-on` attributes with `new Function`, which needs
    'unsafe-eval' in script-src. The store, the API docs and every page a shopper sees keep
    the strict policy. Scripts still come only from our own static files: no
    'unsafe-inline' anywhere, so HTML that slips into content (a product description, a
    nickname) cannot run even in the admin.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            in_admin = request.path.startswith(_admin_prefix(get_script_prefix(), get_urlconf()))
            response[HEADER] = _policies()[in_admin]
        return response


@lru_cache(maxsize=1)
def _policies() -> dict[bool, str]:
    """{in the admin: the policy}."""
    return {False: build_policy(), True: build_policy(update={"script-src": ["'unsafe-eval'"]})}


@lru_cache(maxsize=8)
def _admin_prefix(script_prefix: str, urlconf) -> str:
    """Where the admin lives: reversed once per script prefix and URLconf, not per request."""
    return reverse("admin:index", urlconf=urlconf)


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _admin_prefix.cache_clear()
    if setting == "CONTENT_SECURITY_POLICY":
        _policies.cache_clear()


class LazyMessageMiddleware(MessageMiddleware):
    """Django's, with the storage made when something first adds or reads a message: the
    API and most pages never do, and making it (a cookie storage and a session storage) and
    saving it back cost every request a tenth of a millisecond for nothing."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)
