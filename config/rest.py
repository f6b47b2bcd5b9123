"""The API conventions of ../shared/API.md: 401 for anonymous callers, page-number
pagination with `page_size`, strict integers. Error bodies: config/api_errors.py."""

from rest_framework import authentication, exceptions, pagination, parsers, permissions, serializers


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF answers 403 to anonymous callers unless the scheme names a WWW-Authenticate
    challenge; the contract wants 401, and the session cookie is our only scheme."""

    def authenticate_header(self, request):
        return 'Session realm="micromall"'


class JSONParser(parsers.JSONParser):
    """DRF's parser, minus one way to a 500: JSON nested a thousand levels deep makes
    the json module raise RecursionError, which DRF does not catch."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON nested too deeply") from exc


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else: DRF's own field would take true, "3" and 3.0."""

    # DRF's own min/max texts (「请确保该值……」) read like the framework talking; a
    # field a shopper fills gets its business rule from the service instead.
    default_error_messages = {"invalid": "请输入整数。", "min_value": "不能小于 {min_value}", "max_value": "不能大于 {max_value}"}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class PublicRead:
    """For an API view anyone may read, the same for everyone (the catalogue): nobody is
    looked up, nothing is counted against a rate limit. Asking who the member is cost the
    product API a round trip to the session store on every request."""

    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    throttle_classes = ()
