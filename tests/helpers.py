import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mall.services.orders import Destination

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks and real concurrent connections; run with DATABASE_URL=postgres://… (CI does)",
)

DESTINATION = Destination(name="王五", phone="13800138000", province="北京", city="北京", district="", detail="长安街 1 号")
ADDRESS = {"name": "李四", "phone": "13912345678", "province": "浙江", "city": "杭州", "district": "西湖区", "detail": "文三路 100 号"}


def queries_to_get(client, path) -> int:
    """How many SQL queries one successful GET of `path` takes."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def deliver_events() -> None:
    """What the sweep (`manage.py deliver_events`) does: deliver every pending domain event.
    Inside a test's transaction nothing commits, so the fast path after commit never runs."""
    from outbox.services import deliveries_deliver_due

    deliveries_deliver_due()


def operator_settings(model, **fields):
    """Change an operator settings singleton as the admin does (save), so the cached copy
    every process reads is refreshed too."""
    settings_object = model.get_solo()
    for name, value in fields.items():
        setattr(settings_object, name, value)
    settings_object.save()
    return settings_object


def shop_settings(**fields):
    from mall.models import ShopSettings

    return operator_settings(ShopSettings, **fields)
