import os

import pytest

from tests.factories import CategoryFactory, ProductFactory, ProductImageFactory, SKUFactory

# Playwright's sync API keeps an event loop on the test thread; the ORM calls the
# tests make between page actions are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def watch(page) -> list[str]:
    """What went wrong in the page: uncaught script errors, and anything the
    Content-Security-Policy had to refuse (it must never refuse what our own pages do)."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: "Content Security Policy" in message.text and errors.append(message.text))
    return errors


def _watched_page(context):
    """A page of `context` that fails the test on any script error or CSP refusal."""
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = watch(page)
    yield page
    # Let in-flight requests finish before the live server and its database go away.
    page.wait_for_load_state("networkidle")
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def phone(browser, live_server, settings):
    """A phone-sized page on the live shop, with the OAuth redirect pointing back at it."""
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN")
    yield from _watched_page(context)


@pytest.fixture
def desk(browser, live_server, settings):
    """An operator's 1280×800 screen on the live shop, logged in to the back office as a
    superuser (a session made by Django's test client, handed to the browser as its cookie)."""
    from django.test import Client

    from tests.factories import MemberFactory

    settings.SITE_URL = live_server.url
    client = Client()
    client.force_login(MemberFactory(username="desk", is_staff=True, is_superuser=True, openid=None))
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    yield from _watched_page(context)


@pytest.fixture
def shirt():
    """The store's test product: a T-shirt in 白/黑 × M/L, five of each, with a photo."""
    product = ProductFactory(title="纯棉短袖T恤", category=CategoryFactory(name="男装"), sales=2295, specs=[
        {"name": "颜色", "values": ["白", "黑"]}, {"name": "尺码", "values": ["M", "L"]},
    ])
    for colour in ("白", "黑"):
        for size in ("M", "L"):
            SKUFactory(product=product, spec={"颜色": colour, "尺码": size}, price_fen=7900, stock=5)
    ProductImageFactory(product=product)
    return product
