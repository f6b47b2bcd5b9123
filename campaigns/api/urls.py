from django.urls import path  # noqa: F401 — each campaign's endpoints are added below

urlpatterns = []
