"""Targeted pushes: a news message to a segment at a send time, under a frequency cap.

Lifecycle draft → scheduled → sending → sent (or cancelled), each move a guarded UPDATE
on the status it leaves. A push is scheduled only after a test send to the operators'
own WeChat that follows its last edit.

Enqueue is one INSERT … SELECT of the segment's followers minus those at the cap: the
operator's weekly cap and WeChat's monthly ceiling, counted by the send time's calendar
week and month (Asia/Shanghai) kept on every recipient row. Enqueues run one at a time
under a PostgreSQL advisory lock, so two pushes enqueued at once both count the other's
rows and nobody goes over the cap.

Sending takes queued rows in batches (FOR UPDATE SKIP LOCKED, so workers and the sweep
share the work), sends each batch as one mass message and marks it in the same
transaction; a refused batch is tried again after a backoff, and given up as failed
after MAX_ATTEMPTS. A worker dying mid-batch rolls its rows back to queued for the next
one.

WeChat shows a news message's cover only as an uploaded thumb (a JPEG of at most 64 KB,
kept three days): the push's cover (a media or static path) is shrunk to one and
uploaded once per push, for the test send and every batch; a push without a readable
cover gets the shop's share image."""

import functools
import io
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from config.errors import InvalidStatus
from crm.errors import (
    PushAllCapped,
    PushNoFollowers,
    PushNoTestRecipient,
    PushNotTested,
    PushSegmentEmpty,
    PushSendTimePast,
    PushWeChatFailed,
    SegmentRuleError,
)
from crm.models import MONTHLY_PUSH_CEILING, CrmSettings, Push, PushRecipient
from crm.selectors.segments import segment_members
from crm.services.links import short_link_create, short_link_target_check, short_link_url
from members.models import Member
from wechat.mass_messages import INVALID_MEDIA_ID, MAX_THUMB_BYTES, MassMessageError, News, news_send, news_upload, thumb_upload

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # WeChat takes 2–10,000 openids a call; 500 keeps a batch's transaction short
MAX_ATTEMPTS = 4
RETRY_BASE = timedelta(minutes=1)  # then 2, 4 minutes
PARALLEL_SENDERS = 4
STRANDED_AFTER = timedelta(minutes=1)  # a send task that has not started by then never will
FUNNEL_WINDOW = timedelta(days=7)  # an order or a visit counts for a push opened this long before
# pg_advisory_xact_lock key that serialises enqueues (any fixed bigint no other lock uses)
ENQUEUE_LOCK = 0x43524D_50555348  # "CRM" "PUSH"
EDITABLE = ("title", "cover_url", "summary", "target", "segment", "send_at")
THUMB_BOX = (900, 500)  # a cover at most this big (WeChat shows it about 2:1 across the card)
MAX_COVER_BYTES = 20 * 1024 * 1024  # a cover file bigger than this is not read
DEFAULT_COVER = "img/share.png"  # the shop's share image: its bag on the brand red
BRAND_RED = (229, 57, 53)  # the default cover if even that image cannot be read


@dataclass(frozen=True)
class Audience:
    targeted: int  # the segment's members
    followers: int  # of them, those WeChat can reach (following, with an openid)
    capped: int  # of those, already at the cap in the send time's week or month

    @property
    def reachable(self) -> int:
        return self.followers - self.capped


def push_period(send_at: datetime) -> tuple[date, date]:
    """The calendar week (its Monday) and month (its 1st) of a send time, shop time."""
    day = timezone.localtime(send_at).date()
    return day - timedelta(days=day.weekday()), day.replace(day=1)


def push_weekly_cap() -> int:
    # The setting's own constraint keeps it within the ceiling; min() is the last word.
    return min(CrmSettings.get_solo().weekly_push_cap, MONTHLY_PUSH_CEILING)


def _followers(members: QuerySet[Member]) -> QuerySet[Member]:
    return members.filter(is_subscribed=True, openid__isnull=False).exclude(openid="")


def _capped_member_ids(*, week: date, month: date, cap: int) -> QuerySet:
    """Members who already have `cap` pushes in the week or the ceiling in the month. A
    week across two months counts all its days; a failed push reached nobody."""
    return (
        PushRecipient.objects.filter(Q(week=week) | Q(month=month), status__in=[PushRecipient.Status.QUEUED, PushRecipient.Status.SENT])
        .values("member_id")
        .annotate(in_week=Count("pk", filter=Q(week=week)), in_month=Count("pk", filter=Q(month=month)))
        .filter(Q(in_week__gte=cap) | Q(in_month__gte=MONTHLY_PUSH_CEILING))
        .values("member_id")
    )


def push_audience(*, push: Push) -> Audience:
    """Who the push would reach if it were enqueued now (for scheduling and its page)."""
    week, month = push_period(push.send_at)
    members = segment_members(push.segment.rules)
    followers = _followers(members)
    capped = followers.filter(pk__in=_capped_member_ids(week=week, month=month, cap=push_weekly_cap()))
    return Audience(targeted=members.count(), followers=followers.count(), capped=capped.count())


# --- Editing and the operator's steps ----------------------------------------------------


def push_create(*, title: str, cover_url: str, summary: str, target: str, segment, send_at: datetime, by: Member | None) -> Push:
    return Push.objects.create(
        title=title, cover_url=cover_url, summary=summary, target=short_link_target_check(target), segment=segment, send_at=send_at,
        created_by=by,
    )


def push_update(*, push_id: int, **changes) -> None:
    """Change a draft; its test send no longer counts."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {unknown}")
    if "target" in changes:
        changes["target"] = short_link_target_check(changes["target"])
    if not Push.objects.filter(pk=push_id, status=Push.Status.DRAFT).update(**changes, test_sent_at=None, media_id="", thumb_media_id=""):
        raise InvalidStatus("只有草稿可以修改")


def push_news(*, push: Push) -> News:
    """The news as members get it: its link goes through the push's tracking short link,
    made once per target."""
    link = push.links.filter(target=push.target).order_by("pk").first() or short_link_create(target=push.target, push=push)
    return News(title=push.title, summary=push.summary, url=short_link_url(link=link))


# --- The cover as WeChat's thumb ---------------------------------------------------------


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def thumb_jpeg(data: bytes) -> bytes | None:
    """An image as WeChat's thumb: RGB JPEG within THUMB_BOX and MAX_THUMB_BYTES, lowering
    the quality, then the size, until it fits; None if it is no image Pillow reads."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.draft("RGB", THUMB_BOX)  # a JPEG decodes straight at a fraction of its size
            image = ImageOps.exif_transpose(source)
            image.thumbnail(THUMB_BOX)
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, (255, 255, 255))
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            else:
                image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    while True:
        for quality in (85, 75, 65, 55, 45, 35):
            jpeg = _jpeg(image, quality)
            if len(jpeg) <= MAX_THUMB_BYTES:
                return jpeg
        image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)), Image.Resampling.LANCZOS)


def _cover_file(cover_url: str) -> bytes | None:
    """The bytes of a cover under MEDIA_URL (default storage) or STATIC_URL (the static
    finders), given as a path or a URL on this site; None for anything else or unreadable."""
    url = cover_url.strip()
    if url.startswith(f"{settings.SITE_URL}/"):
        url = url[len(settings.SITE_URL) :]
    path = unquote(urlsplit(url).path)
    try:
        if path.startswith(settings.MEDIA_URL):
            with default_storage.open(path.removeprefix(settings.MEDIA_URL)) as file:
                return file.read(MAX_COVER_BYTES + 1)
        if path.startswith(settings.STATIC_URL):
            found = finders.find(path.removeprefix(settings.STATIC_URL))
            if isinstance(found, str):
                with open(found, "rb") as file:
                    return file.read(MAX_COVER_BYTES + 1)
    except (OSError, SuspiciousFileOperation, ValueError):
        return None
    return None


@functools.cache
def default_cover() -> bytes:
    """The cover of a push without one of its own, made once per process."""
    found = finders.find(DEFAULT_COVER)
    try:
        with open(found if isinstance(found, str) else "", "rb") as file:
            jpeg = thumb_jpeg(file.read())
    except OSError:
        jpeg = None
    return jpeg or _jpeg(Image.new("RGB", (300, 300), BRAND_RED), 85)


def push_cover(cover_url: str) -> bytes:
    """The push's cover as a thumb JPEG: its own, or the default one when it has none or
    it cannot be read as an image."""
    data = _cover_file(cover_url) if cover_url.strip() else None
    jpeg = thumb_jpeg(data) if data and len(data) <= MAX_COVER_BYTES else None
    if jpeg is None and cover_url.strip():
        logger.warning("push cover %r is not a readable image under MEDIA_URL or STATIC_URL: the default cover goes instead", cover_url)
    return jpeg or default_cover()


def _thumb_media_id(push: Push, *, stale: str = "") -> tuple[str, bool]:
    """The push's cover as an uploaded thumb, and whether it was uploaded just now. Uploaded
    once per push: the first caller uploads holding the push's row (until its transaction
    ends), callers meanwhile wait for it and reuse its id. `stale` is a stored id WeChat no
    longer knows (it keeps thumbs three days), uploaded again."""
    with transaction.atomic():
        # The locked row's cover, not the caller's copy: an edit meanwhile has cleared the id.
        stored, cover_url = Push.objects.select_for_update().values_list("thumb_media_id", "cover_url").get(pk=push.pk)
        if stored and stored != stale:
            return stored, False
        thumb = thumb_upload(push_cover(cover_url))
        Push.objects.filter(pk=push.pk).update(thumb_media_id=thumb)
    return thumb, True


def _news_upload(push: Push) -> str:
    """Upload the push's news with its thumb; a stored thumb WeChat no longer knows (40007)
    is uploaded again, once."""
    thumb, fresh = _thumb_media_id(push)
    try:
        return news_upload(push_news(push=push), thumb_media_id=thumb)
    except MassMessageError as exc:
        if exc.errcode != INVALID_MEDIA_ID or fresh:
            raise
    thumb, _ = _thumb_media_id(push, stale=thumb)
    return news_upload(push_news(push=push), thumb_media_id=thumb)


def push_test_send(*, push_id: int, now: datetime | None = None) -> int:
    """Send the draft, the way members will get it, to the test recipients of the CRM
    settings and every operator account with a WeChat openid; how many got it. Marks the test only if nobody edited the push meanwhile."""
    now = now or timezone.now()
    push = Push.objects.get(pk=push_id)
    if push.status != Push.Status.DRAFT:
        raise InvalidStatus("只有草稿可以测试发送")
    testers = Member.objects.filter(Q(is_staff=True) | Q(pk__in=CrmSettings.get_solo().test_members.values("pk")), is_active=True)
    openids = sorted(set(testers.filter(openid__isnull=False).exclude(openid="").values_list("openid", flat=True)))
    if not openids:
        raise PushNoTestRecipient()
    try:
        news_send(media_id=_news_upload(push), openids=openids)
    except MassMessageError as exc:
        raise PushWeChatFailed(f"测试发送失败：{exc}") from exc
    as_sent = {name if name != "segment" else "segment_id": getattr(push, name if name != "segment" else "segment_id") for name in EDITABLE}
    if not Push.objects.filter(pk=push.pk, status=Push.Status.DRAFT, **as_sent).update(test_sent_at=now):
        raise InvalidStatus("测试发送期间推送被修改或已不是草稿，请重新测试发送")
    return len(openids)


def push_schedule(*, push_id: int, now: datetime | None = None) -> Audience:
    """Confirm a tested draft for its send time; who it will reach, as counted now."""
    now = now or timezone.now()
    push = Push.objects.select_related("segment").get(pk=push_id)
    if push.status != Push.Status.DRAFT:
        raise InvalidStatus("只有草稿可以确认发送")
    if push.test_sent_at is None:
        raise PushNotTested()
    if push.send_at < now:
        raise PushSendTimePast()
    audience = push_audience(push=push)
    if not audience.targeted:
        raise PushSegmentEmpty()
    if not audience.followers:
        raise PushNoFollowers()
    if not audience.reachable:
        raise PushAllCapped()
    if not Push.objects.filter(pk=push.pk, status=Push.Status.DRAFT, test_sent_at=push.test_sent_at).update(status=Push.Status.SCHEDULED):
        raise InvalidStatus("推送刚被修改或状态已变，请刷新后重试")
    return audience


def push_cancel(*, push_id: int) -> None:
    if not Push.objects.filter(pk=push_id, status__in=[Push.Status.DRAFT, Push.Status.SCHEDULED]).update(status=Push.Status.CANCELLED):
        raise InvalidStatus("只有草稿或待发送的推送可以取消")


# --- Enqueue --------------------------------------------------------------------------


def _lock_enqueues(cursor) -> None:
    # SQLite writes one transaction at a time anyway.
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ENQUEUE_LOCK])


def push_enqueue(*, push_id: int, now: datetime | None = None) -> int:
    """Move a due scheduled push to sending and write its recipients; how many were
    queued (0 when it is not due, not scheduled, or another worker took it)."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock_enqueues(cursor)
        push = Push.objects.select_related("segment").filter(pk=push_id, status=Push.Status.SCHEDULED, send_at__lte=now).first()
        if push is None:
            return 0
        try:
            members = segment_members(push.segment.rules)
        except SegmentRuleError as exc:
            # The segment was edited into rules that no longer compile: nothing can be sent.
            logger.warning("push %s cancelled: its segment's rules fail: %s", push.pk, exc)
            Push.objects.filter(pk=push.pk, status=Push.Status.SCHEDULED).update(status=Push.Status.CANCELLED)
            return 0
        if not Push.objects.filter(pk=push.pk, status=Push.Status.SCHEDULED).update(status=Push.Status.SENDING, started_at=now):
            return 0  # cancelled a moment ago
        week, month = push_period(push.send_at)
        followers = _followers(members)
        chosen = (
            followers.exclude(pk__in=_capped_member_ids(week=week, month=month, cap=push_weekly_cap()))
            .annotate(chosen_id=F("pk"), chosen_openid=F("openid"))  # named columns for the INSERT
            .values_list("chosen_id", "chosen_openid")
        )
        select_sql, params = chosen.query.sql_with_params()
        table = PushRecipient._meta.db_table
        cursor.execute(
            f"INSERT INTO {table} (push_id, member_id, openid, week, month, status, attempts, last_error) "
            f"SELECT %s, chosen.chosen_id, chosen.chosen_openid, %s, %s, %s, 0, '' FROM ({select_sql}) AS chosen "
            # WHERE true: SQLite would read ON CONFLICT after a bare FROM as a join's ON.
            f"WHERE true ON CONFLICT (push_id, member_id) DO NOTHING",
            [push.pk, week, month, PushRecipient.Status.QUEUED, *params],
        )
        queued = cursor.rowcount
        counts = {"targeted_count": members.count(), "capped_count": followers.count() - queued, "queued_count": queued}
        Push.objects.filter(pk=push.pk).update(**counts)
        if not queued:
            push_finish(push_id=push.pk, now=now)
        else:
            from crm.tasks import send_push

            for _ in range(min(PARALLEL_SENDERS, -(-queued // BATCH_SIZE))):
                # robust: a dead broker leaves the rows queued for the sweep
                transaction.on_commit(lambda: send_push.delay(push.pk), robust=True)
    return queued


def pushes_enqueue_due(*, now: datetime | None = None) -> int:
    """The beat job: enqueue every scheduled push whose time has come; how many recipients."""
    now = now or timezone.now()
    due = Push.objects.filter(status=Push.Status.SCHEDULED, send_at__lte=now).order_by("send_at", "pk").values_list("pk", flat=True)
    return sum(push_enqueue(push_id=push_id, now=now) for push_id in list(due))


# --- Sending --------------------------------------------------------------------------


def push_finish(*, push_id: int, now: datetime | None = None) -> bool:
    """sending → sent once nothing is queued; rows a batch still holds count as queued."""
    queued = PushRecipient.objects.filter(push=OuterRef("pk"), status=PushRecipient.Status.QUEUED)
    return bool(
        Push.objects.filter(~Exists(queued), pk=push_id, status=Push.Status.SENDING).update(status=Push.Status.SENT, finished_at=now or timezone.now())
    )


def _media_id(push: Push) -> str:
    """The push's news (and its thumb), uploaded by the first batch; later batches reuse
    it. Called in the batch's transaction: the first batch uploads holding the push's row
    until it commits, so batches starting with it wait and take its ids rather than upload
    again; batches after it read the id without the lock."""
    if push.media_id:
        return push.media_id
    stored = Push.objects.select_for_update().values_list("media_id", flat=True).get(pk=push.pk)
    if stored:
        return stored
    media_id = _news_upload(push)
    Push.objects.filter(pk=push.pk).update(media_id=media_id)
    return media_id


def _batch_failed(*, push: Push, claimed: list[tuple[int, str, int]], error: str, now: datetime) -> None:
    gave_up = 0
    for attempts in sorted({row[2] for row in claimed}):
        ids = [row[0] for row in claimed if row[2] == attempts]
        if attempts + 1 >= MAX_ATTEMPTS:
            gave_up += PushRecipient.objects.filter(pk__in=ids, status=PushRecipient.Status.QUEUED).update(
                status=PushRecipient.Status.FAILED, attempts=attempts + 1, last_error=error, retry_at=None
            )
        else:
            PushRecipient.objects.filter(pk__in=ids, status=PushRecipient.Status.QUEUED).update(
                attempts=attempts + 1, last_error=error, retry_at=now + RETRY_BASE * 2**attempts
            )
    if gave_up:
        Push.objects.filter(pk=push.pk).update(failed_count=F("failed_count") + gave_up, queued_count=F("queued_count") - gave_up)


def push_send_batch(*, push_id: int, now: datetime | None = None, size: int | None = None) -> str:
    """Send one batch of the push's queued recipients: "sent", "failed" (tried again
    later, or given up), or "none" (nothing to take now)."""
    now, size = now or timezone.now(), size or BATCH_SIZE
    push = Push.objects.filter(pk=push_id, status=Push.Status.SENDING).first()
    if push is None:
        return "none"
    with transaction.atomic():
        claimed = list(
            PushRecipient.objects.select_for_update(skip_locked=True)
            .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now), push_id=push_id, status=PushRecipient.Status.QUEUED)
            .order_by("pk")
            .values_list("pk", "openid", "attempts")[:size]
        )
        if not claimed:
            outcome = "none"
        else:
            media_id = ""
            try:
                media_id = _media_id(push)
                news_send(media_id=media_id, openids=[row[1] for row in claimed])
            except MassMessageError as exc:
                if exc.errcode == INVALID_MEDIA_ID and media_id:
                    Push.objects.filter(pk=push.pk, media_id=media_id).update(media_id="")  # expired: the next batch uploads again
                logger.warning("push %s: a batch of %s failed: %s", push.pk, len(claimed), exc)
                _batch_failed(push=push, claimed=claimed, error=str(exc)[:300], now=now)
                outcome = "failed"
            else:
                sent = PushRecipient.objects.filter(pk__in=[row[0] for row in claimed], status=PushRecipient.Status.QUEUED).update(
                    status=PushRecipient.Status.SENT, sent_at=now, attempts=F("attempts") + 1, last_error="", retry_at=None
                )
                Push.objects.filter(pk=push.pk).update(delivered_count=F("delivered_count") + sent, queued_count=F("queued_count") - sent)
                outcome = "sent"
    push_finish(push_id=push_id, now=now)
    return outcome


def push_send(*, push_id: int) -> int:
    """Send batches until none is left to take now or WeChat refuses one; how many batches."""
    batches = 0
    while push_send_batch(push_id=push_id) == "sent":
        batches += 1
    return batches


def pushes_send_pending(*, now: datetime | None = None) -> int:
    """The sweep: pushes sending for a while with rows still to take (their task never
    ran, its worker died, or a batch waits out its backoff); they are sent here. How
    many batches it sent."""
    now = now or timezone.now()
    sending = Push.objects.filter(status=Push.Status.SENDING, started_at__lte=now - STRANDED_AFTER).order_by("pk")
    return sum(push_send(push_id=push_id) for push_id in list(sending.values_list("pk", flat=True)))


# --- The funnel: opened (crm.services.links), visited, ordered ----------------------------


def push_visit_record(*, member_id: int, at: datetime) -> int:
    """A page view in the shop: the member's pushes opened in the week before count it
    as a visit, once."""
    return PushRecipient.objects.filter(
        member_id=member_id, opened_at__gte=at - FUNNEL_WINDOW, opened_at__lte=at, visited_at__isnull=True
    ).update(visited_at=at)


def push_order_record(*, member_id: int, at: datetime) -> int:
    """A paid order: the member's pushes opened in the week before it count it, once."""
    return PushRecipient.objects.filter(
        member_id=member_id, opened_at__gte=at - FUNNEL_WINDOW, opened_at__lte=at, ordered_at__isnull=True
    ).update(ordered_at=at)
