from django.urls import path

from campaigns.views import checkin as checkin_views
from campaigns.views import hub
from campaigns.views import packets as packet_views
from campaigns.views import points as points_views
from campaigns.views import wheel as wheel_views

app_name = "campaigns"
urlpatterns = [
    path("campaigns/", hub.hub, name="hub"),
    path("campaigns/<int:campaign_id>/", hub.campaign_page, name="campaign"),
]

# Daily check-in and points.
urlpatterns += [
    path("checkin/", checkin_views.checkin_page, name="checkin"),
    path("points/", points_views.points_page, name="points"),
]

# The lucky wheel.
urlpatterns += [
    path("wheels/<int:wheel_id>/", wheel_views.wheel_page, name="wheel"),
]

# Red packets and share red packets.
urlpatterns += [
    path("red-packets/<int:packet_id>/", packet_views.red_packet_page, name="red_packet"),
]
