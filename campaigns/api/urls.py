from django.urls import path

from campaigns.api import campaigns
from campaigns.api import checkin as checkin_api
from campaigns.api import packets as packets_api
from campaigns.api import points as points_api
from campaigns.api import wheel as wheel_api

urlpatterns = [
    path("campaigns", campaigns.CampaignListApi.as_view(), name="api-campaigns"),
]

# Daily check-in and points.
urlpatterns += [
    path("checkin", checkin_api.CheckinApi.as_view(), name="api-checkin"),
    path("checkin/makeup", checkin_api.CheckinMakeupApi.as_view(), name="api-checkin-makeup"),
    path("points", points_api.PointsApi.as_view(), name="api-points"),
]

# The lucky wheel.
urlpatterns += [
    path("wheels/<int:wheel_id>", wheel_api.WheelApi.as_view(), name="api-wheel"),
    path("wheels/<int:wheel_id>/spin", wheel_api.WheelSpinApi.as_view(), name="api-wheel-spin"),
    path("wheels/<int:wheel_id>/spins", wheel_api.MySpinListApi.as_view(), name="api-wheel-spins"),
    path("wheels/spins/<int:spin_id>/address", wheel_api.PrizeAddressApi.as_view(), name="api-wheel-prize-address"),
]

# Red packets and share red packets.
urlpatterns += [
    path("red-packets", packets_api.MyRedPacketListApi.as_view(), name="api-red-packets"),
    path("red-packets/<int:packet_id>", packets_api.RedPacketApi.as_view(), name="api-red-packet"),
    path("red-packets/<int:packet_id>/grab", packets_api.RedPacketGrabApi.as_view(), name="api-red-packet-grab"),
]
