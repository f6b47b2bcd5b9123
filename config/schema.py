"""The OpenAPI schema says what the API really answers (../shared/API.md, Conventions).

drf-spectacular documents the success responses a view declares; this module adds the
rest, from what the view is rather than from a decorator on every view:

- the session cookie and the CSRF header as security schemes, required where a view
  requires a login, optional (`{}`) where anyone may call;
- the error responses, each with the one `Error` body `{code, detail, fields?}`:
  400 where a body or a filter can be wrong, 401 where a login is required, 403 on
  unsafe methods (CSRF), 404 where the path names an object or the list is paginated,
  409 on unsafe methods (business rules), 413/415 where there is a body, 429 where the
  view's rate-limit scope covers the method.

A view narrows this with `conflict_free_methods = ("PATCH", ...)` (no business rule can
say no), says `patch_requires_all_fields = True` when its PATCH body is not partial, and adds what only it can answer (a 503 when WeChat is down) with
`@extend_schema(responses={..., 503: error_response("...")})`; declared responses win.
"""

from django.conf import settings
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

from config.throttling import scope as throttle_scope

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
SESSION_SCHEME = "sessionAuth"
CSRF_SCHEME = "csrfToken"


class ErrorSerializer(serializers.Serializer):
    """Every 4xx and 5xx answer of the API."""

    code = serializers.CharField(help_text="机器可读的错误码（snake_case），如 not_authenticated、validation_error")
    detail = serializers.CharField(help_text="给人看的说明（简体中文）")
    fields = serializers.DictField(
        required=False,
        help_text="仅校验错误：字段名 → 错误信息列表（嵌套对象的字段按同样结构嵌套）",
    )


def error_response(description: str) -> OpenApiResponse:
    """An error response for `@extend_schema(responses=...)`, with the `Error` body."""
    return OpenApiResponse(ErrorSerializer, description=description)


class SessionCsrfScheme(OpenApiAuthenticationExtension):
    """config.rest.SessionAuthentication: the Django session cookie, plus the CSRF
    header on unsafe methods (DRF checks CSRF only for logged-in sessions)."""

    target_class = "config.rest.SessionAuthentication"
    name = [SESSION_SCHEME, CSRF_SCHEME]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "cookie",
                "name": settings.SESSION_COOKIE_NAME,
                "description": "微信登录后设置的会话 Cookie。",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-CSRFToken",
                "description": f"POST/PATCH/PUT/DELETE 需要：取 `{settings.CSRF_COOKIE_NAME}` Cookie 的值"
                "（GET /api/v1/me 会设置它）。",
            },
        ]

    def get_security_requirement(self, auto_schema):
        if auto_schema.method in UNSAFE_METHODS:
            return {SESSION_SCHEME: [], CSRF_SCHEME: []}
        return {SESSION_SCHEME: []}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for status, description in self._error_statuses(operation):
            if status not in responses:
                responses[status] = self._error_response(status, description)
        return operation

    def _get_request_for_media_type(self, serializer, direction="request"):
        # drf-spectacular documents every PATCH body as partial, as DRF's generic views
        # make it; a view whose PATCH needs its fields (the cart's quantity) says so.
        if self.method == "PATCH" and getattr(self.view, "patch_requires_all_fields", False):
            self.method = "PUT"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)

    def _error_statuses(self, operation: dict) -> list[tuple[str, str]]:
        method = self.method
        has_body = "requestBody" in operation
        paginated = self._is_paginated()
        parameters = operation.get("parameters", [])
        filters = [p for p in parameters if p["in"] == "query" and not (paginated and p["name"] in _PAGINATION_PARAMS)]
        login_required = not self._anyone_may_call()

        statuses = []
        if has_body:
            statuses.append(("400", "validation_error：请求参数有误，fields 指出哪个字段；malformed_json：请求体不是合法的 JSON"))
        elif filters:
            statuses.append(("400", "validation_error：查询参数有误，fields 指出哪个参数"))
        if login_required:
            statuses.append(("401", "not_authenticated：未登录或会话已过期"))
        if method in UNSAFE_METHODS:
            statuses.append(("403", "csrf_failed：已登录时缺少或带错了 X-CSRFToken 请求头"))
        if any(p["in"] == "path" for p in parameters):
            statuses.append(("404", "not_found：不存在，或不属于当前会员"))
        elif paginated:
            statuses.append(("404", "not_found：页码超出范围"))
        if method in UNSAFE_METHODS and method not in getattr(self.view, "conflict_free_methods", ()):
            statuses.append(("409", "业务规则不允许此操作，code 说明原因（见 API 约定）"))
        if has_body:
            statuses.append(("413", "request_too_large：请求体过大"))
            statuses.append(("415", "unsupported_media_type：请求体须为 application/json"))
        if self._rate_limited():
            statuses.append(("429", "rate_limited：操作太频繁，Retry-After 头给出需等待的秒数"))
        return statuses

    def _error_response(self, status: str, description: str) -> dict:
        component = self.resolve_serializer(ErrorSerializer, "response")
        response = {
            "description": description,
            "content": {"application/json": {"schema": component.ref}},
        }
        if status == "429":
            response["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "需等待的秒数"},
            }
        return response

    def _anyone_may_call(self) -> bool:
        return any(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())

    def _is_paginated(self) -> bool:
        return self.method == "GET" and self._get_paginator() is not None and self._is_list_view()

    def _rate_limited(self) -> bool:
        name = getattr(self.view, "throttle_scope", None)
        return bool(name) and self.method in throttle_scope(name).methods


_PAGINATION_PARAMS = {"page", "page_size"}
