"""Pages drawn once for the state they show, then served again with only their few
per-request parts (the CSRF token, the share link, the cart badge's number) filled in."""

import secrets
from collections.abc import Callable

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils.html import conditional_escape

_every: list["DrawnPages"] = []


class DrawnPages:
    """Drawing a product page's template costs several times its one SQL query, while what
    it shows changes only when the product, its stock or sales, or the shop's settings do.
    So each page is drawn once per `state` (compared with ==: the caller puts in it all the
    page depends on) with a random mark where each per-request value goes, and every request
    replaces the marks with its own values, escaped as the template would have.

    `holes` names the per-request context variables; the template may print them but not
    branch on them (a branch belongs in `state`). Kept per process, `size` pages at most.
    """

    def __init__(self, template_name: str, *, holes: tuple[str, ...], size: int = 1000):
        self.template_name, self.size = template_name, size
        self._marks = {name: f"mm{secrets.token_hex(12)}" for name in holes}
        self._drawn: dict = {}
        _every.append(self)

    def render(self, request, *, key, state, context: Callable[[], dict], holes: dict) -> str:
        kept = self._drawn.get(key)
        if kept is None or kept[0] != state:
            html = render_to_string(self.template_name, {**context(), **self._marks}, request)
            if len(self._drawn) >= self.size and key not in self._drawn:
                self._drawn.clear()  # mostly pages of states gone by
            kept = self._drawn[key] = (state, html)
        html = kept[1]
        for name, mark in self._marks.items():
            html = html.replace(mark, conditional_escape(holes[name]))
        return html

    def forget(self) -> None:
        self._drawn.clear()


@receiver(setting_changed)
def _forget_every_page(**kwargs):
    # Drawn under the old settings (static and media URLs, templates).
    for pages in _every:
        pages.forget()
