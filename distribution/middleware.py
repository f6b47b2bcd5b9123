"""`?ref=<code>` on any page: recorded at once for a member who is logged in; for a
visitor not logged in yet, kept in a signed cookie and recorded at login (receivers.on_login).
A cookie, not the session: every visit of a new browser must not cost a database session
row. What is recorded is an outbox event; its subscriber binds under the operator's rules."""

import json
import re

from django.conf import settings
from django.core import signing

from distribution.models import REFERRAL_LINK_FOLLOWED, Referral
from outbox.services import publish

COOKIE = "mm_ref"
SALT = "micromall.referral"
MAX_AGE = 60 * 60 * 24 * 30  # a shared link keeps its sharer for a month of browsing before login
SKIPPED_PATHS = ("/api/", "/admin/", "/wx-emulator/")
# Referral codes are short and alphanumeric; anything else is junk not worth recording.
REFERRAL_CODE = re.compile(r"[A-Za-z0-9]{4,16}")


class ReferralLinkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = request.GET.get("ref", "").strip()
        pending = None
        if REFERRAL_CODE.fullmatch(code) and request.method == "GET" and _opened_as_a_page(request) and not request.path.startswith(SKIPPED_PATHS):
            pending = {"code": code, "source": _source(request)}
            if request.user.is_authenticated:
                publish(REFERRAL_LINK_FOLLOWED, member_id=request.user.pk, **pending)  # bound by its subscriber
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


def pending_referral(request) -> dict | None:
    """The sharer this browser came through, from the signed cookie, if any."""
    try:
        pending = json.loads(request.get_signed_cookie(COOKIE, default="null", salt=SALT, max_age=MAX_AGE))
    except (ValueError, signing.BadSignature):
        return None
    if not isinstance(pending, dict):
        return None
    return {"code": str(pending.get("code", ""))[:16], "source": str(pending.get("source", ""))[:10]}
