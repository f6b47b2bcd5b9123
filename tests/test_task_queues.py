"""Each kind of work has its own Celery queue, so a burst of pushes or a long report never
delays money; the one worker `make run` starts takes every queue a task is sent to."""

import re
from pathlib import Path

import pytest

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent
OUR_APPS = ("mall", "distribution", "campaigns", "outbox", "wechat", "crm", "members")


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def our_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if name.split(".")[0] in OUR_APPS)


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("mall.tasks.submit_refund", "money"),
        ("distribution.tasks.release_due_commissions", "money"),
        ("outbox.tasks.deliver_new_events", "money"),
        ("wechat.tasks.deliver_template_message", "messages"),
        ("crm.tasks.send_push", "pushes"),
        ("crm.tasks.run_coupon_drops", "pushes"),
        ("crm.tasks.recompute_rfm", "reports"),
    ],
)
def test_each_kind_of_work_goes_to_its_queue(task, queue):
    assert task in our_tasks()
    assert queue_of(task) == queue


def test_no_task_of_ours_is_left_on_the_default_queue():
    assert [name for name in our_tasks() if queue_of(name) == app.conf.task_default_queue] == []


def test_the_demo_worker_takes_every_queue_a_task_goes_to():
    taken = set(re.search(r"celery -A config worker .*-Q (\S+)", (ROOT / "scripts" / "run").read_text()).group(1).split(","))
    assert {queue_of(name) for name in our_tasks()} <= taken
