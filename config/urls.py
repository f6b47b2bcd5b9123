from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from mall.views import wechat_pay

# The store's own routes first, then the campaigns' (a red packet drop is the biggest burst):
# URLs are tried in order (no two apps share a path, so the order changes nothing else).
api_v1 = [
    path("", include("mall.api.urls")),
    path("", include("campaigns.api.urls")),
    path("", include("distribution.api.urls")),
    path("", include("crm.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    # Resolved per request: at import time the static manifest may not exist yet.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.svg"))),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its init script from ?script= rather than inline (Content-Security-Policy).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("wechat/pay/notify/", wechat_pay.payment_notify, name="wechat-pay-notify"),
    path("wechat/pay/refund-notify/", wechat_pay.refund_notify, name="wechat-refund-notify"),
    path("wechat/", include("wechat.urls")),
    path("", include("mall.urls")),
    path("", include("distribution.urls")),
    path("", include("campaigns.urls")),
    path("", include("crm.urls")),
]

if settings.WECHAT_MODE == "emulator":
    urlpatterns.append(path("wx-emulator/", include("wechat.emulator.urls")))

if settings.SERVE_MEDIA:
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}))

handler400 = "config.views.bad_request"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"

admin.site.site_header = "Micromall 运营后台"
admin.site.site_title = "Micromall 运营后台"
admin.site.index_title = "运营工作台"
