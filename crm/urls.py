from django.urls import path

from crm import views

app_name = "crm"
urlpatterns = [
    path("me/", views.me, name="me"),
]
