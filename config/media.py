from django.conf import settings
from django.core.files.storage import default_storage


def absolute_media_url(name) -> str:
    """The full URL of a stored file (a storage name or a FieldFile), '' for none.

    The API answers with absolute URLs because its other client, a WeChat
    mini-program, has no page address to resolve a relative one against.
    """
    name = getattr(name, "name", name)
    if not name:
        return ""
    url = default_storage.url(name)
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url
