from django.urls import path

from crm import views

app_name = "crm"
urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/profile/", views.profile, name="profile"),
    path("s/<slug:code>", views.short_link, name="short_link"),
]
