from django.urls import path

from campaigns.api import campaigns

urlpatterns = [
    path("campaigns", campaigns.CampaignListApi.as_view(), name="api-campaigns"),
]
