"""Writes about segments: their cached count."""

from django.utils import timezone

from crm.models import Segment
from crm.selectors.segments import segment_count


def segment_recount(*, segment: Segment) -> Segment:
    """Count the segment's members now and keep the figure on the segment (the list shows
    it without counting every segment on every page view)."""
    segment.member_count, segment.counted_at = segment_count(segment.rules), timezone.now()
    Segment.objects.filter(pk=segment.pk).update(member_count=segment.member_count, counted_at=segment.counted_at)
    return segment
