from django.urls import path

from crm.api import me

urlpatterns = [
    path("me", me.MeApi.as_view(), name="api-me"),
    path("logout", me.LogoutApi.as_view(), name="api-logout"),
]
