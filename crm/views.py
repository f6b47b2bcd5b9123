from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from distribution.selectors import member_is_distributor
from mall.selectors import member_order_counts


@login_required
def me(request):
    counts = member_order_counts(member=request.user)
    return render(
        request,
        "crm/me.html",
        {"counts": counts, "is_distributor": member_is_distributor(member=request.user)},
    )
