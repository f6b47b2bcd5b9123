"""Inputs that once crashed a page or an endpoint: now each gets a 4xx, or is ignored."""

import re

import pytest

from tests.factories import CategoryFactory, SKUFactory

pytestmark = pytest.mark.django_db

DEEP = '{"a": ' + "[" * 1000 + "]" * 1000 + "}"


@pytest.mark.parametrize("method, path", [("post", "/api/v1/cart/items"), ("post", "/api/v1/orders"),
                                          ("post", "/api/v1/addresses"), ("patch", "/api/v1/me")])
def test_json_nested_a_thousand_deep_is_malformed(member_api, method, path):
    response = getattr(member_api, method)(path, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize("category", ["99999999999999999999", "²", "1e3", "-1"])
def test_api_category_filter_refuses_what_is_not_an_id(api, category):
    assert api.get("/api/v1/products", {"category": category}).status_code == 400


@pytest.mark.parametrize("query", ["category=99999999999999999999", "category=%C2%B2", "q=%00", "q=%00abc&category=1"])
def test_product_list_page_ignores_bad_parameters(client, query):
    CategoryFactory(pk=1)
    assert client.get(f"/products/?{query}").status_code == 200


@pytest.mark.parametrize("query", ["sku=99999999999999999999&qty=1", "sku=%C2%B2&qty=1", "sku=1&qty=%C2%B2", "sku=1&qty=0"])
def test_checkout_page_ignores_bad_parameters(client, member, query):
    client.force_login(member)
    SKUFactory(pk=1)
    response = client.get(f"/checkout/?{query}")
    assert response.status_code == 302 and response["Location"] == "/cart/"


def test_buy_now_for_an_sku_the_shop_does_not_show_is_not_found(client, member):
    client.force_login(member)
    hidden = SKUFactory(product__is_on_sale=False)
    assert client.get(f"/checkout/?sku={hidden.pk}&qty=1").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/orders/%00", "/api/v1/orders/abc", "/api/v1/orders/1%00/cancel"])
def test_order_numbers_that_are_not_numbers_are_not_found(member_api, path):
    method = member_api.post if path.endswith("cancel") else member_api.get
    response = method(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("next_url", ["/%5Cevil.com", "//evil.com", "https://evil.com", "javascript:alert(1)"])
def test_address_pages_never_send_shoppers_off_site(client, member, next_url):
    client.force_login(member)
    html = client.get(f"/addresses/new/?next={next_url}").content.decode()
    assert 'data-next="/addresses/"' in html
    targets = re.findall(r'(?:href|data-next)="([^"]*)"', html)
    assert not [target for target in targets if "evil" in target or "javascript:" in target]


@pytest.mark.parametrize("method, path", [("post", "/api/v1/orders"), ("post", "/api/v1/addresses"), ("patch", "/api/v1/me")])
def test_a_body_over_the_upload_limit_is_413_json(member_api, settings, method, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"note": "' + "x" * 2048 + '"}'
    response = getattr(member_api, method)(path, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"code": "request_too_large", "detail": "请求体过大"}


@pytest.mark.parametrize("body", [b"{", b'{"note": }', b"\xff\xfe", b'{"a": NaN}', b"[1, 2"])
def test_malformed_json_is_400_with_a_code(member_api, body):
    response = member_api.generic("POST", "/api/v1/addresses", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_too_many_query_parameters_is_400_json(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = api.get("/api/v1/products?" + "&".join(f"q{n}=1" for n in range(20)))
    assert response.status_code == 400
    assert response.json() == {"code": "bad_request", "detail": "请求无法处理"}


def test_a_host_the_site_does_not_serve_is_400_json_under_api(api):
    response = api.get("/api/v1/products", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_a_host_the_site_does_not_serve_is_a_plain_400_page_elsewhere(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_an_oversized_body_that_escapes_the_api_view_is_413_json(rf):
    """handler400, for what Django answers outside DRF's exception handler."""
    from django.core.exceptions import RequestDataTooBig

    from config.views import bad_request

    response = bad_request(rf.post("/api/v1/orders"), RequestDataTooBig())
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
