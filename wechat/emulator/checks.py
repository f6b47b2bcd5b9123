"""The emulator logs anyone in as any member (`?openid=`) and pays without money: it must
not be reachable beyond this machine unless the operator says so for a demo."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

# "testserver" is the host of Django's test client: it never leaves the process.
LOCAL_NAMES = {"localhost", "testserver"}
OPT_IN = "WECHAT_EMULATOR_ALLOW_REMOTE=true"


def is_local_host(host: str) -> bool:
    """Whether a host name, IP or ALLOWED_HOSTS entry only ever means this machine."""
    host = host.strip().lower().lstrip(".").rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def remote_hosts() -> list[str]:
    """The non-loopback hosts the site answers for: SITE_URL's host and ALLOWED_HOSTS ("*" included)."""
    hosts = []
    try:
        site_host = urlsplit(settings.SITE_URL).hostname
    except ValueError:
        site_host = None
    if site_host and not is_local_host(site_host):
        hosts.append(site_host)
    for entry in settings.ALLOWED_HOSTS:
        if (entry == "*" or not is_local_host(entry)) and entry not in hosts:
            hosts.append(entry)
    return hosts


def check_emulator_reachability(app_configs, **kwargs):
    if settings.WECHAT_MODE != "emulator":
        return []
    hosts = remote_hosts()
    if not hosts:
        return []
    where = ", ".join(repr(host) for host in hosts)
    if getattr(settings, "WECHAT_EMULATOR_ALLOW_REMOTE", False):
        return [
            checks.Warning(
                f"The WeChat emulator is served to {where} ({OPT_IN}): anyone who reaches it can log in as any member.",
                hint="Fine for a demo on a trusted network; never on the internet. Use WECHAT_MODE=live for a real shop.",
                id="wx_emulator.W002",
            )
        ]
    message = (
        f"WECHAT_MODE=emulator would serve the built-in fake WeChat to {where}, beyond this machine: "
        "anyone who reaches /wx-emulator/ can log in as any member (?openid=) and pay without money."
    )
    hint = (
        f"Use WECHAT_MODE=live with real credentials, keep SITE_URL and ALLOWED_HOSTS on 127.0.0.1/localhost, "
        f"or set {OPT_IN} for a demo on a trusted network."
    )
    if settings.DEBUG:
        return [checks.Warning(message, hint=hint, id="wx_emulator.W001")]
    return [checks.Error(message, hint=hint, id="wx_emulator.E001")]
