"""`?ref=<code>` on any page: applied at once for a member who is logged in; for a
visitor not logged in yet, kept in a signed cookie and applied at login. A cookie, not the
session: every visit of a new browser must not cost a database session row."""

import json
import logging

from django.conf import settings
from django.core import signing

from distribution.models import Referral
from distribution.services.binding import binding_apply

logger = logging.getLogger(__name__)
COOKIE = "mm_ref"
SALT = "micromall.referral"
MAX_AGE = 60 * 60 * 24 * 30  # a shared link keeps its sharer for a month of browsing before login
SKIPPED_PATHS = ("/api/", "/admin/", "/wx-emulator/")


class ReferralLinkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = request.GET.get("ref", "").strip()[:16]
        pending = None
        if code and request.method == "GET" and _opened_as_a_page(request) and not request.path.startswith(SKIPPED_PATHS):
            pending = {"code": code, "source": _source(request)}
            if request.user.is_authenticated:
                _apply(request.user, pending)
                pending = None
        response = self.get_response(request)
        if pending is not None:
            response.set_signed_cookie(
                COOKIE, json.dumps(pending), salt=SALT, max_age=MAX_AGE, httponly=True, samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        elif getattr(request, "referral_applied", False) or (COOKIE in request.COOKIES and request.user.is_authenticated):
            response.delete_cookie(COOKIE, samesite="Lax")
        return response


def _opened_as_a_page(request) -> bool:
    """A person opened the link. An <img src="/?ref=…"> slipped into a page (or another
    site) would otherwise bind whoever views it; browsers say what a request is for."""
    return request.headers.get("Sec-Fetch-Dest", "document") == "document"


def _source(request) -> str:
    return Referral.Source.POSTER if request.GET.get("src") == "poster" else Referral.Source.LINK


def apply_pending_referral(request, member) -> None:
    """At login: bind to the sharer whose link this browser came through, if any."""
    try:
        pending = json.loads(request.get_signed_cookie(COOKIE, default="null", salt=SALT, max_age=MAX_AGE))
    except (ValueError, signing.BadSignature):
        pending = None
    if isinstance(pending, dict):
        _apply(member, pending)
        request.referral_applied = True


def _apply(member, pending: dict) -> None:
    try:
        binding_apply(member=member, code=str(pending.get("code", ""))[:16], source=_known_source(pending.get("source")))
    except Exception:  # noqa: BLE001 — a referral must never stop someone from shopping
        logger.exception("applying a referral for member %s failed", member.pk)


def _known_source(source) -> str:
    return source if source in (Referral.Source.POSTER, Referral.Source.LINK) else Referral.Source.LINK
