"""A requests transport that answers HTTP calls to this very site in this process.

Used both ways in emulator mode: the shop's wechatpy clients call the emulator, and the
emulator calls the shop back (payment and refund notifications, official-account events).
The caller builds the real HTTP request (method, URL, query, headers, body bytes); this
adapter turns it into a WSGI request, runs the view the path resolves to, and turns the
Django response back into a `requests.Response`. It calls the view directly instead of
going through Django's WSGI handler, because the handler's request_started/finished
signals would close the caller's database connection mid-request.
"""

import io
import logging
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

logger = logging.getLogger(__name__)


class InProcessTransport(BaseAdapter):
    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        django_request = WSGIRequest(_environ(request))
        try:
            match = resolve(django_request.path_info)
        except Resolver404:
            match = None
        if match is None:
            response = HttpResponse(b"Not Found", status=404)
        else:
            try:
                response = match.func(django_request, *match.args, **match.kwargs)
            except Exception:
                logger.exception("in-process call to %s failed", django_request.path)  # the query has openid, access_token
                response = HttpResponse(b"Server Error", status=500)
        return _requests_response(request, response)

    def close(self):
        pass


def _environ(request: requests.PreparedRequest) -> dict:
    url = urlsplit(request.url)
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(url.path).decode("latin-1"),
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname or "localhost",
        "SERVER_PORT": str(url.port or (443 if url.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": url.scheme,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    return environ


def _requests_response(request: requests.PreparedRequest, django_response) -> requests.Response:
    response = requests.Response()
    response.status_code = django_response.status_code
    response.reason = django_response.reason_phrase
    response.headers = CaseInsensitiveDict(dict(django_response.items()))
    response.encoding = get_encoding_from_headers(response.headers)
    response._content = django_response.content
    response.url = request.url
    response.request = request
    return response
