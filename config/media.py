from functools import lru_cache

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver


def absolute_media_url(name) -> str:
    """The full URL of a stored file (a storage name or a FieldFile), '' for none.

    The API answers with absolute URLs because its other client, a WeChat
    mini-program, has no page address to resolve a relative one against.
    """
    name = getattr(name, "name", name)
    if not name:
        return ""
    return _absolute_url(name)


@lru_cache(maxsize=8192)
def _absolute_url(name: str) -> str:
    # A stored name's URL depends only on settings: worked out once, not on every product
    # read (joining and quoting it cost the product API a tenth of its time).
    url = default_storage.url(name)
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


@receiver(setting_changed)
def _forget_urls(*, setting, **kwargs):
    if setting in {"MEDIA_URL", "SITE_URL", "STORAGES"}:
        _absolute_url.cache_clear()
