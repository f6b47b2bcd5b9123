from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from config.throttling import limit_page
from crm.models import ShortLink
from crm.services.links import link_click
from distribution.selectors import member_is_distributor
from mall.selectors import member_order_counts
from members.models import Gender
from members.selectors import active_attributes


@login_required
def me(request):
    counts = member_order_counts(member=request.user)
    return render(
        request,
        "crm/me.html",
        {"counts": counts, "is_distributor": member_is_distributor(member=request.user)},
    )


@login_required
def profile(request):
    """The member's own profile: filled in here, saved through PATCH /api/v1/me."""
    member = request.user
    attributes = [(attribute, member.attributes.get(key)) for key, attribute in active_attributes().items()]
    return render(request, "crm/profile.html", {"member": member, "attributes": attributes, "genders": Gender.choices})


def _in_wechat(request) -> bool:
    """Where the WeChat login can work: WeChat's own browser, or any browser when the
    emulator stands in for WeChat. Elsewhere WeChat's OAuth page only says "open this in
    WeChat", so a visitor there is counted anonymously and sent on instead."""
    return settings.WECHAT_MODE == "emulator" or "MicroMessenger" in request.headers.get("User-Agent", "")


def _too_many_clicks(request):
    return render(request, "crm/link_refused.html")


@require_GET
@limit_page("short_link", render_refusal=_too_many_clicks)
def short_link(request, code):
    link = get_object_or_404(ShortLink.objects.select_related("channel"), code=code)
    if not request.user.is_authenticated and _in_wechat(request):
        # Logged in first, then back here: the click is counted once, with its member,
        # so the channel becomes their source.
        return redirect_to_login(request.get_full_path())
    return redirect(link_click(link=link, member=request.user if request.user.is_authenticated else None))
