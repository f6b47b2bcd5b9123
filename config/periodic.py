"""Default schedules for django-celery-beat.

Each app declares its scheduled jobs in its `apps.py`; they are created once after
`migrate` and then belong to the operators, who may change or pause them in the admin
(re-running `migrate` never overwrites their edits).
"""

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


def ensure_interval_task(*, name: str, task: str, every_seconds: int, description: str = "") -> None:
    schedule, _ = IntervalSchedule.objects.get_or_create(every=every_seconds, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.get_or_create(
        name=name, defaults={"task": task, "interval": schedule, "description": description}
    )


def ensure_daily_task(*, name: str, task: str, hour: int, minute: int = 0, description: str = "") -> None:
    """A job run once a day at a quiet hour, shop time."""
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute=str(minute), hour=str(hour), day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": schedule, "description": description})
