from django.urls import path

from distribution import views

app_name = "distribution"
urlpatterns = [
    path("distribution/", views.center, name="center"),
    path("distribution/commissions/", views.commissions, name="commissions"),
    path("distribution/team/", views.team, name="team"),
    path("distribution/withdraw/", views.withdraw, name="withdraw"),
    path("distribution/poster/", views.poster, name="poster"),
]
