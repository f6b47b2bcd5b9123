import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The shopper's IP: for WeChat Pay (spbill_create_ip), rate limits and login locks.
    Behind a proxy, the header named by CLIENT_IP_HEADER carries it: X-Real-IP, or the
    last entry of X-Forwarded-For, the one our own proxy appended (the entries before it
    are whatever the client sent). Anything that is not an IP address is ignored."""
    header = settings.CLIENT_IP_HEADER
    for candidate in ((request.META.get(header, "") if header else "").split(",")[-1], request.META.get("REMOTE_ADDR", "")):
        try:
            return str(ipaddress.ip_address(candidate.strip()))
        except ValueError:
            continue
    return "127.0.0.1"
