from django.urls import path

from crm.api import events, me, recommendations

urlpatterns = [
    path("me", me.MeApi.as_view(), name="api-me"),
    path("logout", me.LogoutApi.as_view(), name="api-logout"),
    path("events", events.EventApi.as_view(), name="api-events"),
    path("recommendations", recommendations.RecommendationListApi.as_view(), name="api-recommendations"),
]
