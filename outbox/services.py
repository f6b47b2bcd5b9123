"""Publishing domain events and delivering them to their subscribers.

`publish("order.paid", order_id=…)` inside the transaction that made it true writes the
event and one delivery row per subscriber. After commit a Celery task delivers them within
a fraction of a second (one task for every event a process publishes in FAST_PATH_WINDOW);
if the broker is down or a worker dies, the sweep (`deliver_events`, every minute) delivers
whatever is still pending. A delivery runs its handler and marks itself done in
one transaction, holding the delivery row (SKIP LOCKED), so two sweeps and a worker
reaching it at the same moment run the handler once; a handler that raises rolls back its
own effect only, and is retried later with backoff while the others go ahead.

Subscribers live in each app's `receivers` module:

    @subscriber("order.paid", name="distribution.earn_commissions")
    def earn(event): ...
"""

import logging
import time
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from outbox.models import Delivery, DeliveryStatus, Event

logger = logging.getLogger(__name__)

Handler = Callable[[Event], object]
# event name -> {subscriber name -> handler}; filled when the apps' receivers are imported.
SUBSCRIBERS: dict[str, dict[str, Handler]] = {}

FIRST_RETRY = timedelta(seconds=30)
# The scheduled sweep leaves the last half minute to the fast path after commit.
SWEEP_SETTLE = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
# Sending a Celery task cost more CPU than the checkout that published the event. A process
# sends one per window for all the events it publishes in it, to run once the window is
# over (twice the window later: a worker's clock a little ahead still finds them committed).
FAST_PATH_WINDOW = 0.1  # seconds
_fast_path_sent_until = 0.0  # time.monotonic() before which a task already sent will find new events


def subscriber(event_name: str, *, name: str) -> Callable[[Handler], Handler]:
    """Register `handler` for `event_name` under a stable `name` (it keys the deliveries:
    renaming a subscriber strands the deliveries waiting under the old name)."""

    def register(handler: Handler) -> Handler:
        handlers = SUBSCRIBERS.setdefault(event_name, {})
        if handlers.get(name, handler) is not handler:
            raise ValueError(f"two subscribers named {name!r} for {event_name!r}")
        handlers[name] = handler
        return handler

    return register


def handler_for(delivery: Delivery) -> Handler | None:
    return SUBSCRIBERS.get(delivery.event.name, {}).get(delivery.subscriber)


def publish(name: str, **payload) -> Event:
    """Record that `name` happened, with a delivery for each of its subscribers. Call it
    inside the transaction of the change: the event commits or rolls back with it (no
    savepoint of its own: an event that cannot be written fails the change too)."""
    subscribers = list(SUBSCRIBERS.get(name, {}))
    with transaction.atomic(savepoint=False):
        if subscribers and writes_in_with():
            event = _event_with_deliveries(name, payload)
        else:
            event = Event.objects.create(name=name, payload=payload)
            Delivery.objects.bulk_create([Delivery(event=event, subscriber=subscriber) for subscriber in subscribers])
    published(name)
    return event


def published(name: str) -> None:
    """What follows a published event: its delivery, sped up after commit. A statement that
    embedded event_sql calls it once the event was written."""
    if SUBSCRIBERS.get(name):
        # Only speeds delivery up: if the broker is unreachable now, the sweep delivers it.
        transaction.on_commit(_deliver_soon, robust=True)


def writes_in_with() -> bool:
    """Whether the database runs INSERTs and UPDATEs inside WITH (PostgreSQL does; SQLite
    does not), so that several rows that must be written together take one round trip."""
    return connection.vendor == "postgresql"


def event_sql(name: str, payload: dict, *, once_per: str | None = None, id_as: str | None = None, now=None) -> tuple[str, list]:
    """The event and a delivery for each of its subscribers as two WITH items
    (`outbox_event`, `outbox_deliveries`) for a statement that writes them together with the
    change they announce (writes_in_with() databases only). With `once_per`, the name of an
    earlier WITH item, the event is written once for each row that item returns: none when
    the change it chains on did not happen; `id_as` names the payload's key that takes that
    row's id (a row the same statement inserts, say). The caller calls published(name) when
    it was."""
    now = now or timezone.now()
    if id_as and not once_per:
        raise ValueError("id_as takes the id of once_per's rows")
    payload_sql = f"%s::jsonb || jsonb_build_object(%s::text, {once_per}.id)" if id_as else "%s"
    rows = f"SELECT %s, {payload_sql}, %s FROM {once_per}" if once_per else "VALUES (%s, %s, %s)"
    sql = f"""outbox_event AS (INSERT INTO {Event._meta.db_table} (name, payload, created_at) {rows} RETURNING id),
        outbox_deliveries AS (
            INSERT INTO {Delivery._meta.db_table} (event_id, subscriber, status, attempts, next_attempt_at, last_error)
            SELECT outbox_event.id, subscriber, %s, 0, %s, '' FROM outbox_event, unnest(%s::varchar[]) AS subscriber)"""  # noqa: S608 — table names only
    params = [
        name,
        Event._meta.get_field("payload").get_db_prep_value(payload, connection),
        *([id_as] if id_as else []),
        now,
        DeliveryStatus.PENDING,
        now,
        list(SUBSCRIBERS.get(name, {})),
    ]
    return sql, params


def _event_with_deliveries(name: str, payload: dict) -> Event:
    """The event and its deliveries in one statement: every order and payment publishes one,
    and the second round trip with its ORM insert cost more than the rows."""
    now = timezone.now()
    items, params = event_sql(name, payload, now=now)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {items} SELECT id FROM outbox_event", params)  # noqa: S608 — names only
        event = Event(id=cursor.fetchone()[0], name=name, payload=payload, created_at=now)
    event._state.adding, event._state.db = False, connection.alias
    return event


def status_move(
    queryset, *, flow, to: str, only_from=None, event: str | None = None, payload: dict | None = None, **fields
) -> int:
    """The one way a status changes: `UPDATE … SET status = to WHERE status IN (…)`, the
    statuses being those the model's table lets reach `to` (narrowed to `only_from` when
    the caller knows more), and, when rows moved, `event` recorded in the same transaction.
    How many rows moved: 0 means someone else moved them first, or the table forbids it."""
    with transaction.atomic(savepoint=False):
        moved = queryset.filter(status__in=_sources(flow, to, only_from)).update(status=to, **fields)
        if moved and event:
            publish(event, **(payload or {}))
    return moved


def status_move_sql(
    model, *, pk, flow, to: str, only_from=None, event: str | None = None, payload: dict | None = None, **fields
) -> tuple[str, list]:
    """status_move for the row `pk`, as WITH items for one statement (writes_in_with()
    databases): `moved`, the guarded UPDATE, returning the row's id when it moved, and
    `event` with its deliveries (event_sql) once for that row. Items the caller adds chain on
    `moved` too, so none of them happens when the guard fails. The UPDATE takes the row's lock
    and, if it had to wait for it, checks the status again on the row it then finds (READ
    COMMITTED). The caller calls published(event) when the row moved."""
    quote = connection.ops.quote_name
    assignments, values = [], []
    for name, value in {"status": to, **fields}.items():
        field = model._meta.get_field(name)
        assignments.append(f"{quote(field.column)} = %s")
        values.append(field.get_db_prep_save(value, connection))
    key, status = quote(model._meta.pk.column), quote(model._meta.get_field("status").column)
    sql = f"""moved AS (UPDATE {model._meta.db_table} SET {", ".join(assignments)}
                        WHERE {key} = %s AND {status} = ANY(%s::varchar[]) RETURNING {key} AS id)"""  # noqa: S608 — names only
    params = [*values, pk, sorted(_sources(flow, to, only_from))]
    if event:
        event_items, event_params = event_sql(event, payload or {}, once_per="moved")
        sql, params = f"{sql},\n        {event_items}", [*params, *event_params]
    return sql, params


def _sources(flow, to: str, only_from) -> frozenset[str]:
    """The statuses the table lets reach `to`, narrowed to `only_from` when given."""
    return flow.sources(to) if only_from is None else flow.sources(to) & frozenset(only_from)


def _deliver_soon() -> None:
    from outbox.tasks import deliver_new_events

    global _fast_path_sent_until
    if deliver_new_events.app.conf.task_always_eager:  # it runs here and now: nothing to gather
        deliver_new_events.delay()
        return
    now = time.monotonic()
    if now < _fast_path_sent_until:
        return
    _fast_path_sent_until = now + FAST_PATH_WINDOW
    deliver_new_events.apply_async(countdown=2 * FAST_PATH_WINDOW)


def delivery_run(*, delivery_id: int) -> str:
    """Deliver one pending delivery: "done", "failed" (to be retried), or "skipped" when
    it is done already or someone else is delivering it right now."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return "skipped"
        handler = handler_for(delivery)
        try:
            if handler is None:
                raise LookupError(f"no subscriber {delivery.subscriber!r} for {delivery.event.name!r}")
            with transaction.atomic():  # the handler's own savepoint: a failure undoes its effect only
                handler(delivery.event)
        except Exception as exc:  # noqa: BLE001 — whatever a subscriber raises, it is retried, never lost
            attempts = delivery.attempts + 1
            Delivery.objects.filter(pk=delivery.pk).update(
                attempts=attempts,
                next_attempt_at=timezone.now() + retry_delay(attempts),
                last_error="".join(traceback.format_exception_only(exc)).strip()[:2000],
            )
            logger.warning("event %s to %s failed (attempt %s): %s", delivery.event_id, delivery.subscriber, attempts, exc)
            return "failed"
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DONE, delivered_at=timezone.now())
        return "done"


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … at most an hour between tries."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LAST_RETRY)


def deliveries_deliver_due(*, now=None, settle: timedelta = timedelta(0), limit: int = 10_000) -> Counter:
    """The sweep: deliver what is pending and due. `settle` leaves alone deliveries younger
    than that, which the fast path is most likely delivering right now."""
    now = now or timezone.now()
    due = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, event__created_at__lte=now - settle)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    return Counter(delivery_run(delivery_id=delivery_id) for delivery_id in list(due))


def deliveries_retry_now(*, delivery_ids: list[int]) -> int:
    """An operator's "retry now": make these due at once and deliver them."""
    now = timezone.now()
    made_due = Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING).update(next_attempt_at=now)
    for delivery_id in sorted(delivery_ids):
        delivery_run(delivery_id=delivery_id)
    return made_due
