"""Every API error as `{"code", "detail", "fields"?}` (../shared/API.md, Conventions).

Kept apart from config/rest.py: DRF imports the authentication classes while
rest_framework.views is still loading, so that module must not import it back.
"""

import logging

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError

# DRF exception class -> (code, message) when the API answers with our own words.
_CODES = [
    (exceptions.NotAuthenticated, "not_authenticated", "请先登录"),
    (exceptions.AuthenticationFailed, "not_authenticated", "请先登录"),
    (exceptions.ParseError, "malformed_json", "请求体不是合法的 JSON"),
    (exceptions.NotFound, "not_found", "未找到"),
    (exceptions.MethodNotAllowed, "method_not_allowed", "不支持该请求方法"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type", "请使用 application/json 提交"),
    (exceptions.NotAcceptable, "not_acceptable", "无法提供该格式"),
    (exceptions.Throttled, "rate_limited", "操作太频繁，请稍后再试"),
]


# For what Django would answer with its HTML 400 page (config/views.py answers with them too).
TOO_LARGE = {"code": "request_too_large", "detail": "请求体过大"}
BAD_REQUEST = {"code": "bad_request", "detail": "请求无法处理"}


def exception_handler(exc, context):
    if isinstance(exc, (SuspiciousOperation, BadRequest)):
        return _bad_request(exc)
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": exc.message}
        if exc.fields:
            body["fields"] = exc.fields
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: let Django log it and answer 500
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"code": "validation_error", "detail": _first_message(fields) or "请求参数有误", "fields": fields}
        return response
    for exc_class, code, message in _CODES:
        if isinstance(exc, exc_class):
            response.data = {"code": code, "detail": message}
            return response
    if isinstance(exc, exceptions.PermissionDenied):
        detail = str(exc.detail)
        code = "csrf_failed" if detail.startswith("CSRF Failed") else "permission_denied"
        response.data = {"code": code, "detail": "请求校验失败，请刷新页面后重试" if code == "csrf_failed" else "没有权限"}
        return response
    response.data = {"code": getattr(exc, "default_code", "error"), "detail": str(exc.detail)}
    return response


def _bad_request(exc) -> Response:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a bad Host: Django would
    answer its HTML 400 page. Logged like Django logs them, for the operator."""
    if isinstance(exc, SuspiciousOperation):
        logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
    if isinstance(exc, RequestDataTooBig):
        return Response(TOO_LARGE, status=413)
    return Response(BAD_REQUEST, status=400)


def _first_message(errors) -> str:
    """The first human message in a nested DRF error structure, for `detail`."""
    if isinstance(errors, dict):
        errors = list(errors.values())
    if isinstance(errors, list):
        for item in errors:
            message = _first_message(item)
            if message:
                return message
        return ""
    return str(errors)
