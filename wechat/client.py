"""Where wechatpy's HTTP calls go: WeChat itself, or the built-in emulator.

In emulator mode the wechatpy clients keep all their own request building, signing and
response parsing; only their base URLs point at `/wx-emulator/`, and their requests
session hands those URLs to the emulator in this process (see emulator/transport.py),
so a web worker, a Celery worker or a test never waits on a socket to itself.
"""

import requests
from django.conf import settings


def emulator_enabled() -> bool:
    return settings.WECHAT_MODE == "emulator"


def emulator_url(path: str = "") -> str:
    return f"{settings.SITE_URL}/wx-emulator/{path}"


def http_session() -> requests.Session:
    session = requests.Session()
    if emulator_enabled():
        from wechat.emulator.transport import EmulatorTransport

        session.mount(emulator_url(), EmulatorTransport())
    return session
