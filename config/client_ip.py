from django.conf import settings


def client_ip(request) -> str:
    """The shopper's IP for WeChat Pay (spbill_create_ip). Behind a proxy, the header
    named by CLIENT_IP_HEADER (e.g. HTTP_X_REAL_IP) carries it."""
    header = settings.CLIENT_IP_HEADER
    value = request.META.get(header, "") if header else ""
    return value.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "") or "127.0.0.1"
