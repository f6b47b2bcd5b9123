import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The shopper's IP for WeChat Pay (spbill_create_ip). Behind a proxy, the header
    named by CLIENT_IP_HEADER (e.g. HTTP_X_REAL_IP) carries it. Anything that is not
    an IP address is ignored rather than passed on."""
    header = settings.CLIENT_IP_HEADER
    for candidate in ((request.META.get(header, "") if header else "").split(",")[0], request.META.get("REMOTE_ADDR", "")):
        try:
            return str(ipaddress.ip_address(candidate.strip()))
        except ValueError:
            continue
    return "127.0.0.1"
