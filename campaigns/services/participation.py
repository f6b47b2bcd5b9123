"""Who may take part in a campaign (its audience), and who took part: one row per member and
campaign, for participation rates."""

from django.db import connection
from django.utils import timezone

from campaigns.errors import NotInAudience
from campaigns.models import Campaign, Participation
from campaigns.selectors import audience_includes


def _joining(source: str) -> str:
    # The unique key says "once": a second play changes nothing.
    return (
        f"INSERT INTO {Participation._meta.db_table} (campaign_id, member_id, first_at) SELECT %s, %s, %s {source} "
        "ON CONFLICT (campaign_id, member_id) DO NOTHING"
    )


def participation_record(*, campaign: Campaign, member_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _joining("WHERE 1 = 1"), [campaign.pk, member_id, connection.ops.adapt_datetimefield_value(timezone.now())]
        )


def play_with_participation(cursor, sql: str, params: list, *, campaign_id: int | None, member_id: int) -> tuple | None:
    """Run a play's own statement, `sql`, which returns a row when the play goes ahead, and
    record the member's participation in the campaign when it did: on PostgreSQL in the
    same statement (the play in a WITH), a round trip fewer on every check-in, spin and
    grab; SQLite has no INSERT inside WITH and runs the two apart. The play's row, or None.
    A play that fails after this raises inside its transaction, which takes both back."""
    if campaign_id is None:
        cursor.execute(sql, params)
        return cursor.fetchone()
    joined = [campaign_id, member_id, connection.ops.adapt_datetimefield_value(timezone.now())]
    if connection.vendor == "postgresql":
        cursor.execute(f"WITH played AS ({sql}), joined AS ({_joining('FROM played')}) SELECT * FROM played", [*params, *joined])
        return cursor.fetchone()
    cursor.execute(sql, params)
    row = cursor.fetchone()
    if row is not None:
        cursor.execute(_joining("WHERE 1 = 1"), joined)
    return row


def audience_check(*, campaign: Campaign, member) -> None:
    """NotInAudience when the campaign is for a group (a CRM segment) the member is not in;
    free for campaigns open to all."""
    if not audience_includes(campaign=campaign, member=member):
        raise NotInAudience()
