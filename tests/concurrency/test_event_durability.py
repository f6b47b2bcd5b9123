"""Domain events are never lost (PostgreSQL, real commits): a failing subscriber holds up
nobody else and does its part exactly once on retry; a broker that is down when a payment
commits delays the commission until the sweep, which makes it once; sweeps and a worker
reaching the same event at the same moment run its subscriber once."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError

from distribution.models import Commission
from distribution.services.binding import binding_apply
from outbox.models import Delivery, DeliveryStatus
from outbox.services import SUBSCRIBERS, SWEEP_SETTLE, deliveries_deliver_due, publish
from tests.concurrency.racing import race
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import requires_postgres, shop_settings
from tests.journeys import pay_at_cashier, place_order
from wechat.models import TemplateMessage

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def buyer_of_a_sharer(api_for):
    """A buyer brought by a sharer, the paid-message template set: paying earns commission
    and queues a 支付成功 message."""
    shop_settings(**{"paid_template_id": "TPL_PAID"})
    sharer, buyer = MemberFactory(nickname="分享者"), MemberFactory(nickname="买家")
    binding_apply(member=buyer, code=sharer.referral_code)
    return sharer, api_for(buyer)


def later() -> timezone.datetime:
    return timezone.now() + timedelta(hours=2)  # past any backoff


def test_a_subscriber_that_fails_first_holds_up_nobody_and_does_its_part_once_on_retry(buyer_of_a_sharer, monkeypatch):
    sharer, api = buyer_of_a_sharer
    real, tries = SUBSCRIBERS["order.paid"]["mall.paid_message"], []

    def flaky(event):
        tries.append(event.pk)
        if len(tries) == 1:
            raise RuntimeError("模板消息服务暂时不可用")
        return real(event)

    monkeypatch.setitem(SUBSCRIBERS["order.paid"], "mall.paid_message", flaky)
    order = pay_at_cashier(api, place_order(api, SKUFactory(price_fen=10000)))

    # The commission came at once; the message is waiting, its error kept.
    assert Commission.objects.filter(order=order, beneficiary=sharer).count() == 1
    assert not TemplateMessage.objects.exists()
    failed = Delivery.objects.get(subscriber="mall.paid_message")
    assert (failed.status, failed.attempts) == (DeliveryStatus.PENDING, 1) and "模板消息服务暂时不可用" in failed.last_error
    assert failed.next_attempt_at > timezone.now()  # backoff

    deliveries_deliver_due(now=later())
    deliveries_deliver_due(now=later())  # and a second sweep finds nothing to do
    assert TemplateMessage.objects.filter(dedup_key=f"order:{order.pk}:paid").count() == 1
    assert len(tries) == 2 and Delivery.objects.get(pk=failed.pk).status == DeliveryStatus.DONE
    assert Commission.objects.filter(order=order).count() == 1


def test_a_payment_committed_while_the_broker_is_down_earns_its_commission_once_at_the_sweep(
    buyer_of_a_sharer, monkeypatch, caplog
):
    from outbox import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(tasks.deliver_new_events, "apply_async", broker_down)
    sharer, api = buyer_of_a_sharer
    order = pay_at_cashier(api, place_order(api, SKUFactory(price_fen=10000)))  # WeChat heard SUCCESS

    assert order.status == "paid"
    assert not Commission.objects.filter(order=order).exists()  # nothing reached a worker
    assert Delivery.objects.filter(event__payload={"order_id": order.pk}, status=DeliveryStatus.PENDING).exists()

    call_command("deliver_events")
    call_command("deliver_events")
    assert Commission.objects.filter(order=order, beneficiary=sharer).count() == 1
    assert TemplateMessage.objects.filter(dedup_key=f"order:{order.pk}:paid").count() == 1
    assert not Delivery.objects.filter(status=DeliveryStatus.PENDING).exists()


def test_two_sweeps_and_a_worker_on_the_same_event_run_the_subscriber_once(monkeypatch):
    from outbox import tasks

    monkeypatch.setattr(tasks.deliver_new_events, "apply_async", lambda *args, **kwargs: None)  # no fast path
    runs, lock = [], threading.Lock()

    def slow_effect(event):
        with lock:
            runs.append(event.pk)
        time.sleep(0.3)  # long enough for the others to arrive while it runs

    monkeypatch.setitem(SUBSCRIBERS, "test.ping", {"tests.slow_effect": slow_effect})
    event = publish("test.ping", n=1)

    results, errors = race(
        [
            lambda: deliveries_deliver_due(),
            lambda: deliveries_deliver_due(settle=SWEEP_SETTLE, now=timezone.now() + SWEEP_SETTLE),
            lambda: tasks.deliver_new_events(),
        ]
    )

    assert not errors
    assert runs == [event.pk]
    assert Delivery.objects.get(event=event).status == DeliveryStatus.DONE
    assert sum(result.get("done", 0) for result in results) == 1
