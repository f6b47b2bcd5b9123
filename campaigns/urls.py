from django.urls import path

from campaigns.views import hub

app_name = "campaigns"
urlpatterns = [
    path("campaigns/", hub.hub, name="hub"),
    path("campaigns/<int:campaign_id>/", hub.campaign_page, name="campaign"),
]
