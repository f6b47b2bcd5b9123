"""Error pages: JSON with a `code` under /api/, friendly pages elsewhere."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults

from config.api_errors import BAD_REQUEST, TOO_LARGE


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(TOO_LARGE, status=413)
        return JsonResponse(BAD_REQUEST, status=400)
    return defaults.bad_request(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"code": "not_found", "detail": "未找到"}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"code": "server_error", "detail": "服务器开小差了，请稍后再试"}, status=500)
    # No request context: whatever broke (the database, say) must not break this page too.
    return HttpResponseServerError(loader.get_template("500.html").render())
