"""Who may take part in a campaign (its audience), and who took part: one row per member and
campaign, for participation rates."""

from django.db import connection
from django.utils import timezone

from campaigns.errors import NotInAudience
from campaigns.models import Campaign, Participation
from campaigns.selectors import audience_includes


def participation_record(*, campaign: Campaign, member_id: int) -> None:
    # The unique key says "once": a second play changes nothing. One plain statement, as
    # every check-in, spin and grab runs it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Participation._meta.db_table} (campaign_id, member_id, first_at) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            [campaign.pk, member_id, connection.ops.adapt_datetimefield_value(timezone.now())],
        )


def audience_check(*, campaign: Campaign, member) -> None:
    """NotInAudience when the campaign is for a group (a CRM segment) the member is not in;
    free for campaigns open to all."""
    if not audience_includes(campaign=campaign, member=member):
        raise NotInAudience()
