"""`?ref=<code>` on any page: remembered in the session, applied at once for a member who
is logged in, or at login for one who is not yet."""

import logging

from distribution.models import Referral
from distribution.services.binding import binding_apply

logger = logging.getLogger(__name__)
SESSION_KEY = "referral_code"


class ReferralLinkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = request.GET.get("ref", "").strip()[:16]
        if code and request.method == "GET" and not request.path.startswith(("/api/", "/admin/", "/wx-emulator/")):
            request.session[SESSION_KEY] = {"code": code, "source": _source(request)}
            if request.user.is_authenticated:
                apply_pending_referral(request, request.user)
        return self.get_response(request)


def _source(request) -> str:
    return Referral.Source.POSTER if request.GET.get("src") == "poster" else Referral.Source.LINK


def apply_pending_referral(request, member) -> None:
    pending = request.session.pop(SESSION_KEY, None) if hasattr(request, "session") else None
    if not pending or not isinstance(pending, dict):
        return
    try:
        binding_apply(member=member, code=str(pending.get("code", "")), source=pending.get("source") or Referral.Source.LINK)
    except Exception:  # noqa: BLE001 — a referral must never stop someone from shopping
        logger.exception("applying referral %r for member %s failed", pending, member.pk)
