"""The benchmark's limits and harness, kept in step with the models (PostgreSQL, tiny scale):
each bare view runs its SQL against today's tables and answers what the shop holds; the
limits are served without the shop's middleware; gunicorn, wrk and the query counter work
end to end. The benchmark itself runs by hand (make bench), never here."""

import json
import shutil
import socket
from wsgiref.util import setup_testing_defaults

import pytest
from django.db import connection

from bench import harness
from mall.models import CartItem, Order, OrderStatus, Payment
from tests.factories import AddressFactory, CategoryFactory, MemberFactory, ProductFactory, SKUFactory
from tests.helpers import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.urls("bench.urls")]


@pytest.fixture
def catalogue(db):
    category = CategoryFactory()
    products = [ProductFactory(category=category, position=0) for _ in range(25)]
    skus = [SKUFactory(product=product, price_fen=1000 + n, stock=5) for n, product in enumerate(products)]
    SKUFactory(product=products[0], price_fen=900, stock=0, is_active=False)  # not for sale: neither shown nor cheapest
    return category, products, skus


@pytest.mark.django_db
def test_product_limits_read_the_product_and_a_page(client, catalogue):
    category, products, skus = catalogue

    detail = client.get(f"/limit/products/{products[0].pk}").json()
    page_1 = client.get(f"/limit/products?category={category.pk}&page=1").json()["results"]
    page_2 = client.get(f"/limit/products?category={category.pk}&page=2").json()["results"]

    assert detail["title"] == products[0].title
    assert [sku["id"] for sku in detail["skus"]] == [skus[0].pk]
    assert len(page_1) == 20 and len(page_2) == 5
    assert [row["id"] for row in page_1 + page_2] == [p.pk for p in sorted(products, key=lambda p: -p.pk)]  # position, then newest
    assert page_1[-1]["price_fen"] == 1000 + products.index(next(p for p in products if p.pk == page_1[-1]["id"]))
    assert client.get("/limit/products/999999").status_code == 404


@pytest.mark.django_db
def test_cart_limit_upserts_for_the_session_member(client, catalogue):
    _, _, skus = catalogue
    member = MemberFactory()
    body = json.dumps({"sku_id": skus[3].pk, "quantity": 1})

    assert client.post("/limit/cart/items", body, content_type="application/json").status_code == 401
    client.force_login(member)
    client.post("/limit/cart/items", body, content_type="application/json")
    answer = client.post("/limit/cart/items", body, content_type="application/json")

    assert answer.status_code == 201 and answer.json()["quantity"] == 2
    assert CartItem.objects.get(member=member).quantity == 2


@pytest.mark.django_db
def test_order_limit_takes_stock_all_or_nothing_and_payment_limit_pays_once(client, catalogue):
    _, _, skus = catalogue
    member = MemberFactory()
    address = AddressFactory(member=member, is_default=True)
    client.force_login(member)

    def order(quantities):
        lines = [{"sku_id": sku.pk, "quantity": q} for sku, q in zip(skus[:2], quantities, strict=True)]
        return client.post("/limit/orders", json.dumps({"lines": lines, "address_id": address.pk}), content_type="application/json")

    created = order([2, 1])
    refused = order([1, 9])  # the second line is short: nothing taken

    assert created.status_code == 201 and refused.status_code == 409
    skus[0].refresh_from_db()
    skus[1].refresh_from_db()
    assert (skus[0].stock, skus[1].stock) == (3, 4)
    placed = Order.objects.get(member=member)
    assert (placed.number, placed.city, placed.lines.count(), placed.goods_fen) == (created.json()["number"], "深圳", 2, 2 * 1000 + 1001)

    Payment.objects.create(order=placed, out_trade_no=placed.number, amount_fen=placed.pay_fen)
    notice = f"<xml><out_trade_no>{placed.number}</out_trade_no></xml>"
    for _ in range(2):  # the same notification replayed
        assert b"SUCCESS" in client.post("/limit/pay/notify", notice, content_type="application/xml").content
    placed.refresh_from_db()
    assert placed.status == OrderStatus.PAID


@pytest.mark.django_db
def test_a_ceiling_runs_its_limits_sql_as_the_shop_serves_its_api(client, catalogue):
    _, _, skus = catalogue
    member = MemberFactory()
    body = json.dumps({"sku_id": skus[3].pk, "quantity": 1})

    anonymous = client.post("/ceiling/cart/items", body, content_type="application/json")
    client.force_login(member)
    answer = client.post("/ceiling/cart/items", body, content_type="application/json")

    plain = client.post("/plain/cart/items", body, content_type="application/json")

    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"  # the shop's DRF answer
    assert "Content-Security-Policy" in answer.headers and "Content-Security-Policy" in plain.headers  # the shop's middleware
    assert answer.status_code == plain.status_code == 201 and CartItem.objects.get(member=member).quantity == 2


@pytest.mark.django_db
def test_the_ceiling_without_drf_answers_anonymous_callers_401(client, catalogue):
    body = json.dumps({"sku_id": catalogue[2][0].pk, "quantity": 1})
    answer = client.post("/plain/cart/items", body, content_type="application/json")
    assert answer.status_code == 401 and not CartItem.objects.exists()


def _call(application, path):
    environ = {"PATH_INFO": path, "HTTP_X_COUNT_QUERIES": "1", "HTTP_HOST": "127.0.0.1"}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    b"".join(application(environ, start_response))
    return answer


@pytest.mark.django_db(transaction=True)
def test_limits_are_served_without_the_shops_middleware(catalogue):
    from bench.wsgi import application

    _, products, _ = catalogue
    limit = _call(application, f"/limit/products/{products[0].pk}")
    ours = _call(application, f"/api/v1/products/{products[0].pk}")

    assert limit["status"] == ours["status"] == 200
    assert "Content-Security-Policy" in ours["headers"] and "Content-Security-Policy" not in limit["headers"]
    assert limit["headers"]["X-Queries"] == "1"  # the counter, the only middleware of the limits


@pytest.mark.skipif(not shutil.which("wrk"), reason="needs wrk (apt-get install wrk); make bench installs it")
@pytest.mark.django_db(transaction=True)
def test_gunicorn_and_wrk_end_to_end(catalogue, tmp_path):
    _, products, _ = catalogue
    settings = connection.settings_dict
    database = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    targets = [f"/api/v1/products/{p.pk}" for p in products[:5]]

    with harness.Server(harness.Shape(workers=1), port=8793, environment={"DATABASE_URL": database}, log=tmp_path / "server.log") as server:
        queries = harness.sample_queries(server.base, targets, count=2)
        figures = harness.load(server.base, targets, seconds=30, max_requests=40, connections=4, threads=2)

    assert queries == [queries[0]] * 2 and queries[0] >= 1
    assert figures["requests"] == 40  # each thread counts its 20 answers; those still in flight are not counted
    assert figures["seconds"] < 10  # wrk is told to end once both threads have their answers, not after 30 s
    assert figures["statuses"] == {200: 40} and harness.errors_of(figures) == 0
    assert 0 < figures["p50_ms"] <= figures["p99_ms"]


def test_a_server_refuses_a_port_something_already_answers_on():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(RuntimeError, match="is taken"), harness.Server(port=taken.getsockname()[1]):
            pass
