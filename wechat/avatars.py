"""WeChat avatar pictures (headimgurl), fetched for posters. In emulator mode the
avatars are the emulator's, answered in this process."""

import requests

from wechat.client import http_session

MAX_BYTES = 2 * 1024 * 1024


def fetch_avatar(url: str, *, timeout: float = 3.0) -> bytes | None:
    if not url.startswith(("http://", "https://")):
        return None
    try:
        response = http_session().get(url, timeout=timeout, stream=True)
        if response.status_code != 200:
            return None
        content = response.raw.read(MAX_BYTES + 1, decode_content=True) if response.raw is not None else response.content
    except (requests.RequestException, OSError):
        return None
    return content if content and len(content) <= MAX_BYTES else None
