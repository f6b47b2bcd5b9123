import json
import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import CategoryFactory, ProductFactory, ProductImageFactory, SKUFactory

# Playwright's sync API keeps an event loop on the test thread; the ORM calls the
# tests make between page actions are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# A loaded 2-core machine may take longer than Playwright's 5 s to get a page there.
expect.set_options(timeout=10_000)

CHROMIUM = "/usr/bin/chromium"
# Where the browser tests leave a picture of each main page (`make screenshots` points it
# at docs/screenshots, the README's gallery).
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "build" / "screenshots"))
AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
JS_SDK = "https://res.wx.qq.com/"
# WeChat's in-app browser on an iPhone, as the store sees it.
WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.50(0x1800323b) NetType/WIFI Language/zh_CN")
# Added up from the first paint on: a page whose content jumps after it shows is a page
# shoppers tap the wrong thing on.
LAYOUT_SHIFTS = """window.__layoutShift = 0;
new PerformanceObserver(list => { for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__layoutShift += entry.value; })
  .observe({type: "layout-shift", buffered: true});"""
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]


@pytest.fixture(autouse=True)
def sqlite_waits_for_the_live_server():
    """On SQLite the live server and the test share one in-memory database, and a statement
    meeting the other thread's write fails at once with "database table is locked" (shared
    cache does not wait as a busy timeout would): wait and try it again instead."""
    from django.db import OperationalError, connection

    if connection.vendor != "sqlite":
        yield
        return

    def retry(execute, sql, params, many, context):
        for attempt in range(400):
            try:
                return execute(sql, params, many, context)
            except OperationalError as error:
                if "is locked" not in str(error) or attempt == 399:
                    raise
                time.sleep(0.025)

    with connection.execute_wrapper(retry):
        yield


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


def watched_page(context):
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
    yield from watched_page(phone_context(browser))


def phone_context(browser, **options):
    """A fresh profile in a 390×844 touch screen, speaking Chinese, as WeChat's browser."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", user_agent=WECHAT_UA, **options)
    context.add_init_script(LAYOUT_SHIFTS)
    # WeChat's JS-SDK script is on the internet, which this machine cannot reach: fail it
    # at once, as offline, rather than waiting for a DNS answer.
    context.route(JS_SDK + "**", lambda route: route.abort("internetdisconnected"))
    return context


@pytest.fixture
def desk(browser, live_server, settings):
    """An operator's 1280×900 screen on the live shop, logged in to the back office as a
    superuser (a session made by Django's test client, handed to the browser as its cookie)."""
    from django.test import Client

    from tests.factories import MemberFactory

    settings.SITE_URL = live_server.url
    client = Client()
    client.force_login(MemberFactory(username="desk", is_staff=True, is_superuser=True, openid=None))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    yield from watched_page(context)


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


def snap(page, name: str) -> None:
    """Keep a picture of what the page shows now, for the README's gallery."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.jpg", type="jpeg", quality=85, animations="disabled", caret="hide")


def serious_accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (axe from npm, put
    into the page by the test itself: no CDN, and the Content-Security-Policy is not asked)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + json.dumps([node["target"] for node in violation["nodes"]][:5], ensure_ascii=False)
        for violation in found if violation["impact"] in ("serious", "critical")
    ]


# What a first load cost: bytes over the wire (the document and everything it pulled),
# time to the load event, and layout shift so far.
FIRST_LOAD = """() => {
    const [navigation] = performance.getEntriesByType("navigation");
    const resources = performance.getEntriesByType("resource");
    return {
        bytes: [navigation, ...resources].reduce((sum, entry) => sum + entry.transferSize, 0),
        ms: navigation.loadEventEnd - navigation.startTime,
        shift: window.__layoutShift,
        heaviest: resources.sort((a, b) => b.transferSize - a.transferSize).slice(0, 3).map(r => [r.name, r.transferSize]),
    };
}"""
