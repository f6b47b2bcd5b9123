"""Short links (/s/<code>) for channels and pushes: made with an unguessable code, and a
click recorded, counted and attributed before the visitor is sent on.

Attribution is first touch (crm.services.members.member_source_set), for clicks here as
for QR-code scans (crm.receivers.channels)."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from config.validators import control_character_problem, site_path_validator
from crm.errors import LinkTargetInvalid
from crm.models import Channel, LinkClick, Push, PushRecipient, ShortLink
from crm.services.members import member_source_set
from members.models import Member

# No 0/o/1/i/l: a code may be read off a poster. 31 symbols × 10 ≈ 2^49 codes, so codes
# cannot be walked to find other links.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 10
CODE_ATTEMPTS = 5
SHORT_LINK_PREFIX = "/s/"


def short_link_target_check(target: str) -> str:
    """`target` as a path inside the shop, or LinkTargetInvalid: a short link must never
    become an open redirect (no scheme, no other host, no `//host`, no `/\\host`)."""
    target = (target or "").strip()
    try:
        site_path_validator(target)
    except ValidationError as exc:
        raise LinkTargetInvalid() from exc
    if len(target) > ShortLink._meta.get_field("target").max_length or control_character_problem(target):
        raise LinkTargetInvalid()
    if target.startswith(SHORT_LINK_PREFIX):
        raise LinkTargetInvalid("跳转地址不能是另一个短链接")
    return target


def short_link_create(*, target: str, channel: Channel | None = None, push: Push | None = None) -> ShortLink:
    target = short_link_target_check(target)
    attempts_left = CODE_ATTEMPTS
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            # A savepoint of its own: a taken code must not spoil the caller's transaction.
            with transaction.atomic():
                return ShortLink.objects.create(code=code, target=target, channel=channel, push=push)
        except IntegrityError:
            attempts_left -= 1
            if not attempts_left:
                raise


def short_link_url(*, link: ShortLink) -> str:
    """The link as people get it (in a push, on a poster)."""
    return f"{settings.SITE_URL}{SHORT_LINK_PREFIX}{link.code}"


def link_click(*, link: ShortLink, member: Member | None) -> str:
    """Record a click on `link` by `member` (None: an anonymous visitor) and return where
    to send them. `link.channel` should be loaded with the link (select_related)."""
    with transaction.atomic():
        LinkClick.objects.create(link=link, member=member)
        ShortLink.objects.filter(pk=link.pk).update(click_count=F("click_count") + 1)
        if member is not None and link.channel_id:
            member_source_set(member_id=member.pk, channel_code=link.channel.code)
        if member is not None and link.push_id:
            PushRecipient.objects.filter(push_id=link.push_id, member=member, opened_at__isnull=True).update(opened_at=timezone.now())
    return link.target
