"""Domain errors: what a service raises when a business rule says no.

They carry a stable machine `code`, a message for a person (zh-hans) and the HTTP
status the API answers with; services know nothing of HTTP beyond that number.
"""


class DomainError(Exception):
    status = 409
    code = "conflict"
    message = "操作无法完成"

    def __init__(self, message: str | None = None, *, fields: dict | None = None):
        self.message = message or self.message
        self.fields = fields
        super().__init__(self.message)


class InvalidInput(DomainError):
    """Input that is well-formed but names something that cannot be used (400)."""

    status = 400
    code = "validation_error"
    message = "请求参数有误"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = "未找到"


class InvalidStatus(DomainError):
    code = "invalid_status"
    message = "当前状态不允许此操作"


class WeChatUnavailable(DomainError):
    """WeChat did not answer, or answered with an error that is not the shopper's doing."""

    status = 503
    code = "wechat_unavailable"
    message = "微信服务暂时不可用，请稍后再试"
