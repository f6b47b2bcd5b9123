"""Who may take part in a campaign (its audience), and who took part: one row per member and
campaign, for participation rates."""

from django.db import connection
from django.utils import timezone

from campaigns.errors import NotInAudience
from campaigns.models import Campaign, Participation
from campaigns.selectors import audience_includes
from campaigns.services.chain import Step, chain_run


def participation_record(*, campaign: Campaign, member_id: int) -> None:
    chain_run([participation_step(campaign_id=campaign.pk, member_id=member_id)])


def participation_step(*, campaign_id: int, member_id: int, after: str | None = None) -> Step:
    """The member's participation recorded, in a play's chain once its step `after` returned
    a row (every play records it with its own first statement: no round trip of its own on
    PostgreSQL). The unique key says "once": a second play changes nothing."""
    source = f"FROM {after} WHERE true" if after else "WHERE true"
    return Step(
        "joined",
        f"INSERT INTO {Participation._meta.db_table} (campaign_id, member_id, first_at) SELECT %(campaign)s, %(member)s, %(now)s "
        f"{source} ON CONFLICT (campaign_id, member_id) DO NOTHING",
        {"campaign": campaign_id, "member": member_id, "now": connection.ops.adapt_datetimefield_value(timezone.now())},
        needs=(after,) if after else (),
    )


def audience_check(*, campaign: Campaign, member) -> None:
    """NotInAudience when the campaign is for a group (a CRM segment) the member is not in;
    free for campaigns open to all."""
    if not audience_includes(campaign=campaign, member=member):
        raise NotInAudience()
