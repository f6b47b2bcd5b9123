"""Micromall settings: the one place configuration is read, from environment variables.

Every variable is optional; the defaults give the embedded demo (SQLite, a broker that
needs no server, the WeChat emulator). A `.env` file in the project folder is read too.
Each variable is documented in the README and in `.env.example`.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.urls import reverse_lazy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime files of the embedded default: database, media, broker

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core ---------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="micromall-dev-only-secret-key-change-me-in-production")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
_site_host = urlsplit(SITE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[_site_host, "127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])
USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")  # e.g. HTTP_X_REAL_IP behind nginx
# Live mode is a real shop behind nginx over TLS: secure cookies, HSTS and the proxy's
# X-Forwarded-Proto are its defaults, and `manage.py check --deploy` passes there.
_live = env("WECHAT_MODE", default="emulator") == "live"
if env.bool("SECURE_PROXY_SSL_HEADER", default=_live):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _live or SITE_URL.startswith("https://")
SESSION_COOKIE_HTTPONLY = True  # no script reads the session; the CSRF token comes from a meta tag or its own cookie
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30  # shoppers stay logged in for a month inside WeChat
# Sessions are read through the cache (Redis in production) and written through to the
# database: a logged-in request costs a cache hit, not a SELECT on django_session, and a
# flushed cache only means the next read goes to the table. Logout and flush delete both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_live)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if _live else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_live)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is the domain owner's commitment at hstspreload.org, not the shop's to make.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

INSTALLED_APPS = [
    "unfold",  # the operator back office's look; before the admin, whose templates it replaces
    "unfold.contrib.import_export",  # unfold's look for the import/export pages; before import_export
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "import_export",
    "csp",
    "axes",
    "config",
    "solo",
    "outbox",
    "members",
    "mall",
    "distribution",
    "campaigns",
    "crm",
    "demo",
    "wechat",
]

if not _live:
    # The built-in fake WeChat and its tables exist only where it is used.
    INSTALLED_APPS.append("wechat.emulator")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "distribution.middleware.ReferralLinkMiddleware",
    "config.middleware.LazyMessageMiddleware",  # Django's, the storage made only when used
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",  # django-csp's policy, built once
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy on every page, the store and the admin alike: scripts only from
# our own static files (and WeChat's JS-SDK), never inline, so HTML that slips into content
# cannot run. Styles may be inline (style attributes in templates and rich text); images
# may come from anywhere over http(s) (WeChat avatars are served from its own hosts).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", "https:", "http:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.media",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mall.context_processors.shop",
            ],
            "builtins": ["config.template_filters"],
        },
    },
]

# --- Database ---------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs web, worker and beat against one file: WAL lets readers and the
    # writer overlap, IMMEDIATE makes a write transaction take the lock when it begins,
    # so two writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction mode a cursor cannot outlive its transaction.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
    # Parameters travel apart from the statement (no quoting in Python), and a statement a
    # connection runs a fifth time is prepared: the hot paths' SQL is planned once, not on
    # every request (bench/README.md has the figures). PgBouncer before 1.21 cannot keep
    # prepared statements in transaction mode: DB_PREPARED_STATEMENTS=false there.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=5 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache.Redis"  # one client per pool (config/cache.py)
# Operator settings singletons (django-solo) are read through the cache and refreshed on save.
SOLO_CACHE = "default"
SOLO_CACHE_TIMEOUT = 60 * 10

# --- Members and login -------------------------------------------------------------

AUTH_USER_MODEL = "members.Member"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before any password is checked
    "members.backends.WeChatBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/wechat/login/"
# Operator (admin) logins lock after repeated failures (django-axes): per address, and
# per account from anywhere; an unlock is `manage.py axes_reset` or waiting the cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_ONLY_ADMIN_SITE = True  # shoppers log in through WeChat: a lock on the admin must never stop them
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Operator back office (django-unfold) --------------------------------------------

# The sidebar follows the operators' jobs, not the apps' names. An entry shows only to who
# may open its page (view or change permission); accounts, groups and login locks only to
# superusers, as their admins say.


def _may_open(model_label: str):
    app_label, model = model_label.split(".")
    return lambda request: request.user.has_perm(f"{app_label}.view_{model}") or request.user.has_perm(f"{app_label}.change_{model}")


def _superuser(request) -> bool:
    return request.user.is_active and request.user.is_superuser


def _page(title: str, icon: str, model_label: str, permission=None) -> dict:
    app_label, model = model_label.split(".")
    return {
        "title": title,
        "icon": icon,
        "link": reverse_lazy(f"admin:{app_label}_{model}_changelist"),
        "permission": permission or _may_open(model_label),
    }


def _favicon(request) -> str:
    from django.templatetags.static import static

    return static("img/favicon.svg")


UNFOLD = {
    "SITE_TITLE": "Micromall 运营后台",
    "SITE_HEADER": "Micromall 运营后台",
    "SITE_SUBHEADER": "微商城",
    "SITE_SYMBOL": "storefront",
    "SITE_URL": "/",
    "SITE_FAVICONS": [{"rel": "icon", "type": "image/svg+xml", "href": _favicon}],
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": True,
    # The workbench on the admin home (crm/admin/workbench.py): today's figures and the queues.
    "DASHBOARD_CALLBACK": "crm.admin.workbench",
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": [
            {"items": [{"title": "工作台", "icon": "space_dashboard", "link": reverse_lazy("admin:index")}]},
            {"title": "商品", "items": [
                _page("商品分类", "category", "mall.category"),
                _page("商品", "inventory_2", "mall.product"),
                _page("SKU 与库存", "warehouse", "mall.sku"),
            ]},
            {"title": "订单与售后", "items": [
                _page("订单", "receipt_long", "mall.order"),
                _page("售后退款", "assignment_return", "mall.refund"),
                _page("支付记录", "payments", "mall.payment"),
                _page("被拒绝的微信通知", "report", "mall.refusednotice"),
            ]},
            {"title": "分销", "items": [
                _page("分销看板", "monitoring", "distribution.distributiondashboard"),
                _page("分销员", "groups", "distribution.distributor"),
                _page("推荐关系", "account_tree", "distribution.referral"),
                _page("绑定记录", "history", "distribution.referralchange"),
                _page("佣金", "paid", "distribution.commission"),
                _page("提现", "account_balance_wallet", "distribution.withdrawal"),
                _page("佣金流水", "receipt", "distribution.ledgerentry"),
                _page("分销员等级", "military_tech", "distribution.grade"),
                _page("SKU 固定佣金", "sell", "distribution.skucommission"),
                _page("分销设置", "tune", "distribution.distributionsettings"),
            ]},
            {"title": "营销活动", "items": [
                _page("活动日历", "calendar_month", "campaigns.campaign"),
                _page("有奖关注", "qr_code_scanner", "campaigns.followgift"),
                _page("老带新", "diversity_3", "campaigns.referralgift"),
                _page("活动赠礼", "redeem", "campaigns.giftgrant"),
                _page("邀请关系", "share", "campaigns.invitation"),
                _page("签到规则", "event_available", "campaigns.checkinsetup"),
                _page("签到记录", "fact_check", "campaigns.checkin"),
                _page("活动设置", "settings_suggest", "campaigns.campaignsettings"),
                _page("大转盘", "cyclone", "campaigns.wheel"),
                _page("抽奖记录", "confirmation_number", "campaigns.spin"),
                _page("奖品发货", "local_shipping", "campaigns.prizeshipment"),
                _page("红包", "payments", "campaigns.redpacket"),
                _page("分享红包规则", "card_giftcard", "campaigns.sharepacketsetup"),
                _page("优惠券", "local_activity", "mall.coupontemplate"),
                _page("已发优惠券", "loyalty", "mall.coupon"),
                _page("首页轮播图", "view_carousel", "mall.banner"),
                _page("渠道", "qr_code_2", "crm.channel"),
                _page("公众号设置", "chat", "wechat.accountsettings"),
            ]},
            {"title": "会员", "items": [
                _page("会员", "person", "members.member"),
                _page("会员资料项", "badge", "members.profileattribute"),
                _page("CRM 看板", "monitoring", "crm.crmdashboard"),
                _page("会员分群", "filter_alt", "crm.segment"),
                _page("分群发券", "redeem", "crm.coupondrop"),
                _page("定向推送", "campaign", "crm.push"),
                _page("CRM 设置", "tune", "crm.crmsettings"),
                _page("标签", "sell", "crm.tag"),
                _page("客服收件箱", "support_agent", "crm.conversation"),
                _page("跟进记录", "contact_phone", "crm.followup"),
                _page("余额流水", "account_balance", "members.balanceentry"),
                _page("积分流水", "stars", "members.pointsentry"),
                _page("公众号消息与事件", "forum", "wechat.accountevent"),
                _page("服务消息", "notifications", "wechat.templatemessage"),
                _page("短链接", "link", "crm.shortlink"),
                _page("页面事件", "ads_click", "crm.trackedevent"),
                _page("商品推荐", "recommend", "crm.recommendation"),
            ]},
            {"title": "设置与任务", "items": [
                _page("店铺设置", "storefront", "mall.shopsettings"),
                _page("定时任务", "schedule", "django_celery_beat.periodictask"),
                _page("运行间隔", "timer", "django_celery_beat.intervalschedule"),
                _page("Cron 计划", "event_repeat", "django_celery_beat.crontabschedule"),
                _page("日出日落计划", "wb_twilight", "django_celery_beat.solarschedule"),
                _page("指定时间计划", "alarm", "django_celery_beat.clockedschedule"),
                _page("事件投递", "send", "outbox.delivery"),
                _page("领域事件", "bolt", "outbox.event"),
                _page("运营账号", "admin_panel_settings", "members.operatoraccount", _superuser),
                _page("运营组", "group_work", "auth.group", _superuser),
                _page("登录锁定", "lock_person", "axes.accessattempt", _superuser),
                _page("登录记录", "login", "axes.accesslog", _superuser),
                _page("登录失败记录", "gpp_bad", "axes.accessfailurelog", _superuser),
            ]},
        ],
    },
}

# --- Language, time, files ---------------------------------------------------------

# One language: every page speaks Chinese, so no LocaleMiddleware picks one per request.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# In production nginx serves MEDIA_ROOT; the embedded demo lets Django do it.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static_storage.StaticStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- API ---------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["config.rest.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["config.rest.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "config.rest.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.ScopeThrottle"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "PAGE_SIZE": 20,
}
# Off only for load benchmarks (make bench), where every client shares one address.
RATELIMIT_ENABLE = env.bool("RATE_LIMITS_ENABLED", default=True)
# Limits per member and per IP on what costs stock, money or CPU (config/throttling.py).
# Rates are django-ratelimit's: "10/m" is ten a minute, "20/10m" twenty per ten minutes.
# The per-IP rates are looser: many shoppers may share one carrier or office address.
RATE_LIMITS = {
    "login": {"ip": "60/m", "methods": ("GET",)},  # a login is two requests: to WeChat and back
    "order_create": {"member": "10/m", "ip": "60/m"},
    "order_pay": {"member": "20/m", "ip": "120/m"},
    "refund_request": {"member": "5/m", "ip": "30/m"},
    "withdrawal_request": {"member": "5/m", "ip": "30/m"},
    "poster": {"member": "10/m", "ip": "60/m", "methods": ("GET",)},
    # Campaigns: a person taps a few times a minute; a script taps hundreds.
    "checkin": {"member": "10/m", "ip": "120/m"},
    "spin": {"member": "30/m", "ip": "300/m"},
    "grab": {"member": "20/m", "ip": "300/m"},
    "claim": {"member": "20/m", "ip": "300/m"},
    # CRM tracking: a person opens a few links and pages a minute; a script inflating
    # clicks or events opens hundreds.
    "short_link": {"member": "30/m", "ip": "300/m", "methods": ("GET",)},
    "events": {"member": "60/m", "ip": "600/m"},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Micromall shopper API",
    "DESCRIPTION": (
        "微商城购物者 API。金额单位为分（整数），时间为 Asia/Shanghai。\n\n"
        "登录：微信登录后的会话 Cookie `sessionid`；POST/PATCH/PUT/DELETE 另需请求头 `X-CSRFToken`，"
        "值为 `csrftoken` Cookie（GET /api/v1/me 会设置）。\n\n"
        "错误：4xx/5xx 的响应体都是 `Error`：`{code, detail, fields?}`，code 为机器可读的错误码，"
        "detail 为给人看的中文说明，fields 仅在校验错误时出现。每个操作列出它可能返回的错误状态码；"
        "另外，任何路径用了不支持的方法都会得到 405 `method_not_allowed`，Accept 不含 JSON 时为 406 `not_acceptable`。"
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get their own components (no read-only `id`, blank strings refused),
    # so what the schema says a client may send is what the API accepts.
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Celery ------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    for _folder in (_queue_dir, VAR_DIR / "celery" / "processed", VAR_DIR / "celery" / "control"):
        _folder.mkdir(parents=True, exist_ok=True)  # the filesystem transport needs them to exist
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Its broadcast bookkeeping; by default a `control/` folder in whatever directory runs.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True  # tasks are idempotent, so redelivery after a crash is safe
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A queue per kind of work, each with workers of its own in production (README: Production
# notes), so a burst of pushes or a long report never delays money. Domain events ride with
# money: commissions are among their subscribers. `make run` has one worker take them all.
CELERY_TASK_ROUTES = {
    "mall.tasks.*": {"queue": "money"},
    "distribution.tasks.*": {"queue": "money"},
    "campaigns.tasks.*": {"queue": "money"},
    "outbox.tasks.*": {"queue": "money"},
    "wechat.emulator.tasks.*": {"queue": "money"},
    "wechat.tasks.*": {"queue": "messages"},
    "crm.tasks.enqueue_pushes": {"queue": "pushes"},
    "crm.tasks.send_push*": {"queue": "pushes"},
    "crm.tasks.run_coupon_drop*": {"queue": "pushes"},
    "crm.tasks.recompute_*": {"queue": "reports"},
    "crm.tasks.sync_rule_tags": {"queue": "reports"},
}

# --- WeChat ------------------------------------------------------------------------

WECHAT_MODE = env("WECHAT_MODE", default="emulator")
# Emulator mode uses these fixed test values (the emulator checks them like WeChat
# would); live mode must set every one of them (a system check refuses to start).
_emulated = WECHAT_MODE == "emulator"
WECHAT_APPID = env("WECHAT_APPID", default="wx5f0e1c2d3b4a5968" if _emulated else "")
WECHAT_SECRET = env("WECHAT_SECRET", default="emulator-app-secret-0123456789ab" if _emulated else "")
WECHAT_TOKEN = env("WECHAT_TOKEN", default="emulatortoken" if _emulated else "")
WECHAT_MCH_ID = env("WECHAT_MCH_ID", default="1900000109" if _emulated else "")
WECHAT_PAY_API_KEY = env("WECHAT_PAY_API_KEY", default="EmulatorPayApiKey0123456789abcde" if _emulated else "")
WECHAT_HTTP_TIMEOUT = env.float("WECHAT_HTTP_TIMEOUT", default=5.0)
# The merchant certificate and key (PEM files) that WeChat Pay's refund API requires.
WECHAT_PAY_CERT_PATH = env("WECHAT_PAY_CERT_PATH", default="")
WECHAT_PAY_KEY_PATH = env("WECHAT_PAY_KEY_PATH", default="")
# Set when the official account's server uses safe mode (消息加解密方式: 安全模式).
WECHAT_ENCODING_AES_KEY = env("WECHAT_ENCODING_AES_KEY", default="")
WECHAT_EMULATOR_ALLOW_REMOTE = env.bool("WECHAT_EMULATOR_ALLOW_REMOTE", default=False)  # serve the emulator beyond loopback (LAN demo)

# --- Logging -----------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Mobile numbers and openids are masked in whatever reaches the console (config/logging.py).
    "filters": {"mask_personal_data": {"()": "config.logging.PersonalDataFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_personal_data"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Without Django's own console handler (DEBUG only), which would print before ours masks.
        "django": {"handlers": [], "level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        # At DEBUG wechatpy logs whole payloads and the string it signs, merchant API key
        # included, and urllib3 logs URLs with access_token and openid in the query.
        "wechatpy": {"level": "INFO"},
        "urllib3": {"level": "INFO"},
        "axes": {"level": "WARNING"},  # lockouts, not every successful login
    },
}
