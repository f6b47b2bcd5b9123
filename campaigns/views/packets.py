"""The red packet page (/red-packets/{id}/): open the packet, see what I got and where it
went, and who got how much (拼手气); a share packet's page is what the buyer sends to
friends. It acts through the API."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from campaigns import selectors
from campaigns.models import RedPacket


@login_required
def red_packet_page(request, packet_id: int):
    packet = get_object_or_404(RedPacket.objects.select_related("owner", "order", "campaign"), pk=packet_id)
    view = selectors.red_packet_view(packet=packet, member=request.user)
    return render(request, "campaigns/red_packet.html", {"packet": packet, "view": view, "rules": list(packet.campaign.rules)[:3] if packet.campaign else []})
