from django.urls import path

from distribution import api, views

page_urlpatterns = [
    path("distribution/", views.center, name="center"),
    path("distribution/commissions/", views.commissions, name="commissions"),
    path("distribution/team/", views.team, name="team"),
    path("distribution/withdraw/", views.withdraw, name="withdraw"),
    path("distribution/poster/", views.poster, name="poster"),
]
urlpatterns = [
    path("distribution/me", api.DistributionMeApi.as_view(), name="api-distribution-me"),
    path("distribution/apply", api.ApplyApi.as_view(), name="api-distribution-apply"),
    path("distribution/commissions", api.CommissionListApi.as_view(), name="api-distribution-commissions"),
    path("distribution/team", api.TeamApi.as_view(), name="api-distribution-team"),
    path("distribution/poster", api.PosterApi.as_view(), name="api-distribution-poster"),
    path("distribution/withdrawals", api.WithdrawalListApi.as_view(), name="api-distribution-withdrawals"),
]
