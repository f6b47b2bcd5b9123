"""The fast path after commit sends one Celery task for all the events a process publishes
within a window, timed to run after the window: none is left to the minute's sweep."""

import pytest

from outbox import services, tasks
from outbox.services import FAST_PATH_WINDOW, SUBSCRIBERS, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """The tasks sent to a (non-eager) broker, and a clock the test moves."""
    monkeypatch.setitem(tasks.deliver_new_events.app.conf, "task_always_eager", False)
    monkeypatch.setitem(SUBSCRIBERS, "test.ping", {"tests.noop": lambda event: None})
    monkeypatch.setattr(services, "_fast_path_sent_until", 0.0)
    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    calls = []
    monkeypatch.setattr(tasks.deliver_new_events, "apply_async", lambda *args, **kwargs: calls.append(kwargs))
    return calls, clock


def publish_committed(django_capture_on_commit_callbacks, n: int) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        publish("test.ping", n=n)


def test_events_published_within_the_window_send_one_task_that_runs_after_it(sent, django_capture_on_commit_callbacks):
    calls, clock = sent
    for n in range(3):
        publish_committed(django_capture_on_commit_callbacks, n)
        clock[0] += FAST_PATH_WINDOW / 4
    assert calls == [{"countdown": 2 * FAST_PATH_WINDOW}]


def test_an_event_after_the_window_sends_the_next_task(sent, django_capture_on_commit_callbacks):
    calls, clock = sent
    publish_committed(django_capture_on_commit_callbacks, 1)
    clock[0] += FAST_PATH_WINDOW
    publish_committed(django_capture_on_commit_callbacks, 2)
    assert len(calls) == 2


def test_the_task_delivers_every_pending_event(sent, django_capture_on_commit_callbacks):
    delivered = []
    SUBSCRIBERS["test.ping"]["tests.noop"] = lambda event: delivered.append(event.payload["n"])
    for n in range(3):
        publish_committed(django_capture_on_commit_callbacks, n)
    assert tasks.deliver_new_events() == {"done": 3}
    assert sorted(delivered) == [0, 1, 2]
