"""No script from content: rich text is cleaned when saved and when shown, every page
carries a Content-Security-Policy that refuses inline script, and live mode passes
Django's deployment checks."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mall.models import Product
from tests.factories import MemberFactory, ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db

HOSTILE = (
    '<h3>亮点</h3><script>alert("x")</script><img src="/media/a.jpg" onerror="alert(1)">'
    '<a href="javascript:alert(2)">点我</a><iframe src="https://evil.example"></iframe>'
    '<p style="color:red;background:url(https://evil.example/x)" onclick="alert(3)">红字</p>'
    '<table><tr><td colspan="2">规格</td></tr></table><svg onload="alert(4)"></svg>'
)


def assert_harmless(html: str):
    lowered = html.lower()
    for bad in ("<script", "onerror", "onclick", "onload", "javascript:", "<iframe", "url("):
        assert bad not in lowered, bad


def test_a_description_saved_in_the_admin_is_cleaned(client):
    from tests.mall.test_admin import product_form

    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    sku = SKUFactory(spec={"颜色": "红"})
    product = sku.product
    row = {"id": sku.pk, "spec_text": "红", "price_fen": "50.00", "stock": sku.stock, "code": ""}
    data = product_form(product, [row], description_html=HOSTILE, **{"initial-skus-0-stock": sku.stock})
    response = client.post(f"/admin/mall/product/{product.pk}/change/", data)
    assert response.status_code == 302
    saved = Product.objects.get(pk=product.pk).description_html
    assert_harmless(saved)
    assert '<img src="/media/a.jpg">' in saved and 'colspan="2"' in saved and "color:red" in saved and "<h3>亮点</h3>" in saved


def test_a_description_written_around_the_admin_is_cleaned_when_shown(client, api):
    product = ProductFactory(description_html=HOSTILE)
    SKUFactory(product=product)
    page = client.get(f"/products/{product.pk}/").content.decode()
    description = page[page.index('class="rich"') :]
    assert_harmless(description[: description.index("</div>")])
    body = api.get(f"/api/v1/products/{product.pk}").json()["description_html"]
    assert_harmless(body)
    assert "<h3>亮点</h3>" in body


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def csp_of(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (piece.strip() for piece in header.split(";")) if part}


@pytest.mark.parametrize(
    "path, who",
    [
        ("/", "anyone"),
        ("/products/", "anyone"),
        ("/me/", "member"),
        ("/cart/", "member"),
        ("/admin/", "operator"),
        ("/admin/mall/product/", "operator"),
        ("/admin/mall/product/add/", "operator"),
        ("/admin/mall/order/", "operator"),
        ("/admin/django_celery_beat/periodictask/add/", "operator"),
        ("/admin/login/", "anyone"),
        ("/api/docs/", "anyone"),
    ],
)
def test_pages_refuse_inline_script_and_carry_none(client, path, who):
    if who == "member":
        client.force_login(MemberFactory())
    elif who == "operator":
        client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    response = client.get(path)
    assert response.status_code == 200
    policy = csp_of(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    # The back office's Alpine.js compiles its attributes at run time; nothing else may eval.
    assert ("'unsafe-eval'" in policy["script-src"]) == path.startswith("/admin/")
    assert policy["object-src"] == "object-src 'none'" and policy["frame-ancestors"] == "frame-ancestors 'none'"
    html = response.content.decode()
    assert not INLINE_SCRIPT.findall(html), INLINE_SCRIPT.findall(html)
    assert not EVENT_HANDLER.findall(html), EVENT_HANDLER.findall(html)


def test_only_the_back_office_may_eval_and_nothing_may_run_inline(client):
    """The exception is the admin's alone: a store page, the API and the API docs keep the
    strict policy, and no page (admin included) allows inline script."""
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    for path in ("/", "/api/v1/products", "/api/docs/", "/admin/", "/admin/mall/order/"):
        policy = csp_of(client.get(path))
        assert "'unsafe-inline'" not in policy["script-src"], path
        assert ("'unsafe-eval'" in policy["script-src"]) == path.startswith("/admin/"), path
    assert csp_of(client.get("/admin/"))["script-src"].count("'unsafe-eval'") == 1


def test_the_session_cookie_is_out_of_reach_of_scripts(client):
    operator = MemberFactory(is_staff=True, openid=None, username="op")
    operator.set_password("Operator-pass-1")
    operator.save()
    response = client.post("/admin/login/", {"username": "op", "password": "Operator-pass-1", "next": "/admin/"})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"] is True


def test_live_mode_passes_the_deployment_checks():
    root = Path(__file__).resolve().parent.parent
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("WECHAT_", "SECURE_", "DJANGO_", "CACHE_"))},
        "WECHAT_MODE": "live",
        "SITE_URL": "https://shop.example.com",
        "SECRET_KEY": "kV9$w2!pQ7#zR4&xL1@mN8^bT5*cY3(hJ6)fD0-gS_aE+uI=oP",
        "DEBUG": "false",
        "WECHAT_APPID": "wx0000000000000001",
        "WECHAT_SECRET": "s" * 32,
        "WECHAT_TOKEN": "token",
        "WECHAT_MCH_ID": "1900000001",
        "WECHAT_PAY_API_KEY": "k" * 32,
        "WECHAT_PAY_CERT_PATH": "/etc/wechat/apiclient_cert.pem",
        "WECHAT_PAY_KEY_PATH": "/etc/wechat/apiclient_key.pem",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_live_mode_wants_a_shared_cache_and_the_proxys_client_address(settings):
    from config.checks import check_live_settings

    settings.WECHAT_MODE = "live"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/tmp/x"}}
    settings.CLIENT_IP_HEADER = ""
    assert {problem.id for problem in check_live_settings(None)} == {"micromall.E001", "micromall.W001"}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://h:6379/1"}}
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert check_live_settings(None) == []
    settings.WECHAT_MODE = "emulator"
    settings.CLIENT_IP_HEADER = ""
    assert check_live_settings(None) == []


@pytest.mark.parametrize("link", ["javascript:alert(1)", "//evil.example/", "https://evil.example/", "/\\evil.example", "/a b"])
def test_a_banner_links_only_inside_the_shop(link):
    from django.core.exceptions import ValidationError

    from mall.models import Banner

    banner = Banner(title="横幅", image="b.png", link_url=link)
    with pytest.raises(ValidationError):
        banner.full_clean()
    Banner(title="横幅", image="b.png", link_url="/products/?q=礼盒").full_clean()


def test_live_mode_installs_no_emulator():
    root = Path(__file__).resolve().parent.parent
    environment = {**os.environ, "WECHAT_MODE": "live"}
    probe = "from django.apps import apps; print(apps.is_installed('wechat.emulator'))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", probe],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_messages_reach_the_next_page_and_requests_without_any_build_no_storage(rf):
    from django.contrib import messages
    from django.http import HttpResponse
    from django.utils.functional import empty

    from config.middleware import LazyMessageMiddleware

    quiet = rf.get("/api/v1/products")
    quiet.session = {}
    LazyMessageMiddleware(lambda request: HttpResponse())(quiet)
    assert quiet._messages._wrapped is empty

    def says_saved(request):
        messages.success(request, "已保存")
        return HttpResponse()

    told = rf.post("/admin/")
    told.session = {}
    response = LazyMessageMiddleware(says_saved)(told)
    shown = rf.get("/admin/")
    shown.session, shown.COOKIES = told.session, {name: morsel.value for name, morsel in response.cookies.items()}
    LazyMessageMiddleware(lambda request: HttpResponse())(shown)
    assert [str(message) for message in messages.get_messages(shown)] == ["已保存"]
