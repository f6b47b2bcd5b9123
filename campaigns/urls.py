from django.urls import path  # noqa: F401 — each campaign's pages are added below

app_name = "campaigns"
urlpatterns = []
