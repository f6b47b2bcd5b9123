from django.urls import path

from distribution import api

urlpatterns = [
    path("distribution/me", api.DistributionMeApi.as_view(), name="api-distribution-me"),
    path("distribution/apply", api.ApplyApi.as_view(), name="api-distribution-apply"),
    path("distribution/commissions", api.CommissionListApi.as_view(), name="api-distribution-commissions"),
    path("distribution/team", api.TeamApi.as_view(), name="api-distribution-team"),
    path("distribution/poster", api.PosterApi.as_view(), name="api-distribution-poster"),
    path("distribution/withdrawals", api.WithdrawalListApi.as_view(), name="api-distribution-withdrawals"),
]
