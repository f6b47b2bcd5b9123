import pytest

pytestmark = pytest.mark.django_db


def test_unknown_api_urls_answer_json_404(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "未找到"}


def test_wrong_method_is_405_with_a_code(member_api):
    response = member_api.delete("/api/v1/products")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_an_accept_header_without_json_is_406_with_a_code(api):
    """Not declared per operation: the schema's description says so once."""
    response = api.get("/api/v1/products", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


def test_openapi_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/products", "/api/v1/cart/items", "/api/v1/orders/{number}/cancel", "/api/v1/me"):
        assert path in text
    assert api.get("/api/docs/").status_code == 200


def test_unknown_pages_are_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_favicon_points_at_the_shop_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("img/favicon.svg")


# --- The OpenAPI schema tells the truth ------------------------------------------------

UNSAFE = {"post", "put", "patch", "delete"}


@pytest.fixture
def schema(api):
    return api.get("/api/schema/", HTTP_ACCEPT="application/json").json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_schema_generates_without_warnings(tmp_path):
    """Component name collisions (two "MeSerializer"s documented /me as the distribution
    object), unresolvable views and the like fail the build, as `--fail-on-warn` does."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


def test_me_and_distribution_me_are_different_components(schema):
    def response_ref(path):
        return schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]

    me, distribution = response_ref("/api/v1/me"), response_ref("/api/v1/distribution/me")
    assert me != distribution
    components = schema["components"]["schemas"]
    assert "nickname" in components[me.rsplit("/", 1)[1]]["properties"]
    assert "share_url" in components[distribution.rsplit("/", 1)[1]]["properties"]


def test_session_cookie_and_csrf_header_are_the_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["sessionAuth"] == {**schemes["sessionAuth"], "type": "apiKey", "in": "cookie", "name": "sessionid"}
    assert schemes["csrfToken"] == {**schemes["csrfToken"], "type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    security = {(path, method): operation["security"] for path, method, operation in operations(schema)}
    assert security[("/api/v1/me", "get")] == [{"sessionAuth": []}]
    assert security[("/api/v1/orders", "post")] == [{"sessionAuth": [], "csrfToken": []}]
    # Anyone may browse the catalog or log out: no security required ({}).
    assert {} in security[("/api/v1/products", "get")] and {} in security[("/api/v1/logout", "post")]
    assert {} not in security[("/api/v1/cart", "get")]


def test_every_operation_declares_its_errors_with_the_error_body(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        errors = {status for status in responses if status.startswith(("4", "5"))}
        for status in errors:
            body = responses[status]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}, (method, path, status)
        anyone = {} in operation["security"]
        assert ("401" in errors) is not anyone, (method, path)
        assert ("403" in errors) is (method in UNSAFE), (method, path)
        if "{" in path:
            assert "404" in errors, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= errors, (method, path)
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "detail"] and set(error["properties"]) == {"code", "detail", "fields"}


def test_rate_limits_and_conflicts_are_declared_where_they_apply(schema):
    def statuses(path, method):
        return set(schema["paths"][path][method]["responses"])

    assert "429" in statuses("/api/v1/orders", "post") and "429" not in statuses("/api/v1/orders", "get")
    assert "429" in statuses("/api/v1/distribution/poster", "get")  # the poster scope limits GET
    assert "429" in statuses("/api/v1/orders/{number}/pay", "post") and "503" in statuses("/api/v1/orders/{number}/pay", "post")
    assert "409" in statuses("/api/v1/orders/{number}/cancel", "post")
    assert "409" not in statuses("/api/v1/addresses/{address_id}", "delete")
    assert "409" not in statuses("/api/v1/logout", "post")
    assert "400" not in statuses("/api/v1/cart", "get")
    assert "404" in statuses("/api/v1/orders", "get")  # ?page= past the end


def test_a_cart_patch_must_name_the_quantity(schema):
    body = schema["paths"]["/api/v1/cart/items/{item_id}"]["patch"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert body["required"] and schema["components"]["schemas"][ref]["required"] == ["quantity"]


def test_docs_page_has_no_inline_script(api):
    """The Content-Security-Policy allows scripts from the site only."""
    import re

    page = api.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    script = api.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


OUT_OF_RANGE = [
    ("post", "/api/v1/cart/items", {"sku_id": 0, "quantity": 0}),
    ("post", "/api/v1/cart/items", {"sku_id": 2**64, "quantity": 10**12}),
    ("post", "/api/v1/orders", {"lines": [{"sku_id": 1, "quantity": 0}], "address_id": 0, "coupon_id": 0}),
    ("post", "/api/v1/orders", {"lines": [{"sku_id": 1, "quantity": 10**12}], "address_id": 2**64}),
    ("post", "/api/v1/distribution/withdrawals", {"amount_fen": 0, "channel": "wechat"}),
    ("post", "/api/v1/distribution/withdrawals", {"amount_fen": 10**13, "channel": "wechat"}),
    ("post", "/api/v1/wheels/spins/1/address", {"address_id": 0}),
    ("get", "/api/v1/products?category=0", None),
]


@pytest.mark.parametrize("method, path, body", OUT_OF_RANGE)
def test_out_of_range_numbers_get_the_shops_words_not_the_frameworks(member_api, method, path, body):
    response = getattr(member_api, method)(path, body, format="json") if body is not None else member_api.get(path)
    assert 400 <= response.status_code < 500
    assert "请确保" not in response.content.decode()
