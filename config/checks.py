"""What a real shop (WECHAT_MODE=live) needs beyond WeChat's credentials (wechat/apps.py)."""

from django.conf import settings
from django.core import checks

# Backends whose counters are shared by every process and incremented atomically.
SHARED_CACHES = ("redis", "memcached")


def check_live_settings(app_configs, **kwargs):
    if settings.WECHAT_MODE != "live":
        return []
    problems = []
    backend = settings.CACHES["default"]["BACKEND"]
    if not any(name in backend.lower() for name in SHARED_CACHES):
        problems.append(checks.Error(
            f"CACHE_URL must name Redis or memcached in live mode, not {backend}.",
            hint="Rate limits, login locks and the JS-SDK ticket are counted and kept in the cache: every web and "
                 "worker process must see the same one, with atomic increments. E.g. CACHE_URL=redis://127.0.0.1:6379/1",
            id="micromall.E001",
        ))
    if not settings.CLIENT_IP_HEADER:
        problems.append(checks.Warning(
            "CLIENT_IP_HEADER is not set: behind nginx every shopper would share nginx's address.",
            hint="Per-IP rate limits and operator login locks would then hit everyone at once, and WeChat Pay would see "
                 "the proxy's IP. Set CLIENT_IP_HEADER=HTTP_X_REAL_IP with `proxy_set_header X-Real-IP $remote_addr;`.",
            id="micromall.W001",
        ))
    return problems
