"""The back office's one exception to the Content-Security-Policy."""

from django.urls import reverse


class AdminScriptPolicyMiddleware:
    """Lets the operator back office (django-unfold) evaluate its Alpine.js expressions.

    Unfold's standard Alpine.js build compiles `x-data`/`x-on` attributes with
    `new Function`, which needs 'unsafe-eval' in script-src. Only admin pages get it:
    the store, the API docs and every page a shopper sees keep the strict policy. Scripts
    still come only from our own static files: no 'unsafe-inline' anywhere, so HTML that
    slips into content (a product description, a nickname) cannot run even in the admin.

    Placed after django-csp's middleware in MIDDLEWARE, so on the way out it runs first
    and django-csp builds the header with this update (`response._csp_update`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(reverse("admin:index")):
            update = dict(getattr(response, "_csp_update", None) or {})
            update["script-src"] = [*update.get("script-src", ()), "'unsafe-eval'"]
            response._csp_update = update
        return response
