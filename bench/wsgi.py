"""The benchmark's server: one WSGI application, two Django handlers in the same gunicorn
worker. Paths under /limit/ go to a handler with no middleware but the bench's inert query
counter — no session, CSRF, auth, CSP, referral or axes — and reach the bare views of
bench/limits.py; every other path goes to the shop as it is served in production (with the
counter in front). Same processes, same threads, same database connection: the limit and
the endpoint it measures differ only in what the shop does on top of the unavoidable SQL.

    DJANGO_SETTINGS_MODULE=bench.settings gunicorn bench.wsgi
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

LIMIT_PREFIX = "/limit/"
LIMIT_MIDDLEWARE = ["bench.middleware.QueryCountMiddleware"]


class LimitHandler(WSGIHandler):
    """Django's WSGI handler built with the limit's middleware list instead of the shop's."""

    def load_middleware(self, is_async=False):
        shop_middleware = settings.MIDDLEWARE
        settings.MIDDLEWARE = LIMIT_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = shop_middleware


shop = get_wsgi_application()
limits = LimitHandler()


def application(environ, start_response):
    handler = limits if environ.get("PATH_INFO", "").startswith(LIMIT_PREFIX) else shop
    return handler(environ, start_response)
