"""Who took part in which campaign: one row per member and campaign, for participation rates."""

from campaigns.models import Campaign, Participation


def participation_record(*, campaign: Campaign, member_id: int) -> None:
    # ignore_conflicts: the unique key says "once"; a second play changes nothing.
    Participation.objects.bulk_create([Participation(campaign=campaign, member_id=member_id)], ignore_conflicts=True)
