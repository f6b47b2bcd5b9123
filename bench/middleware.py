"""The benchmark's query counter: asked with an `X-Count-Queries` request header, it counts
every SQL statement the request runs (the other middleware's included: it comes first) and
answers with an `X-Queries` header. Without the header it only passes the request on, so the
load itself pays for one dictionary lookup."""

from django.db import connection


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_X_COUNT_QUERIES" not in request.META:
            return self.get_response(request)
        count = 0

        def counted(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        return response
