"""Tags on members: put on and taken off by operators in bulk, or kept equal to a segment.

Every write is one set-based statement: INSERT … SELECT … ON CONFLICT DO NOTHING adds only
what is missing (the unique (tag, member) key settles two operators tagging at once), and a
DELETE takes off only what is there, so a repeat changes nothing."""

import logging

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from config.errors import InvalidInput
from crm.errors import SegmentRuleError
from crm.models import MemberTag, Tag
from crm.selectors.segments import segment_members

logger = logging.getLogger(__name__)


def _insert_missing(*, tag: Tag, members: QuerySet) -> int:
    sql, params = members.order_by().annotate(chosen_id=F("pk")).values("chosen_id").query.sql_with_params()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MemberTag._meta.db_table} (member_id, tag_id, added_at) SELECT chosen.chosen_id, %s, %s FROM ({sql}) AS chosen "
            # WHERE true: SQLite would read ON CONFLICT after a bare FROM as a join's ON.
            "WHERE true ON CONFLICT (tag_id, member_id) DO NOTHING",
            [tag.pk, now, *params],
        )
        return cursor.rowcount


def _manual(tag: Tag) -> None:
    if tag.kind != Tag.Kind.MANUAL:
        raise InvalidInput(f"「{tag.name}」是按分群自动维护的标签，不能手动增减会员")


def member_tags_add(*, tag: Tag, members: QuerySet) -> int:
    """Put a manual tag on the members (those who have it keep it). How many were added."""
    _manual(tag)
    with transaction.atomic():
        return _insert_missing(tag=tag, members=members)


def member_tags_remove(*, tag: Tag, members: QuerySet) -> int:
    """Take a manual tag off the members. How many had it."""
    _manual(tag)
    removed, _ = MemberTag.objects.filter(tag=tag, member__in=members.order_by().values("pk")).delete()
    return removed


def tag_sync(*, tag: Tag) -> tuple[int, int]:
    """Make a rule tag's members exactly its segment's members: (added, removed). Two syncs
    of the same tag take turns on the tag's row, so each writes a whole answer."""
    with transaction.atomic():
        tag = Tag.objects.select_for_update().get(pk=tag.pk)
        if tag.kind != Tag.Kind.RULE:
            raise InvalidInput(f"「{tag.name}」是手动标签，没有分群可同步")
        members = segment_members(tag.segment.rules)
        added = _insert_missing(tag=tag, members=members)
        removed, _ = MemberTag.objects.filter(tag=tag).exclude(member__in=members.order_by().values("pk")).delete()
        Tag.objects.filter(pk=tag.pk).update(synced_at=timezone.now())
    return added, removed


def tags_sync_all() -> dict[str, int]:
    """Sync every rule tag; a tag whose segment no longer compiles (an attribute retired) is
    logged and left as it was, the others go on."""
    synced = failed = 0
    for tag in Tag.objects.filter(kind=Tag.Kind.RULE).order_by("pk"):
        try:
            tag_sync(tag=tag)
            synced += 1
        except SegmentRuleError as error:
            failed += 1
            logger.error("rule tag %s not synced: its segment's rules are invalid: %s", tag.pk, error.message)
    return {"synced": synced, "failed": failed}
