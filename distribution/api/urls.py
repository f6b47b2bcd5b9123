from django.urls import path

from distribution.api import earnings, sharer

urlpatterns = [
    path("distribution/me", sharer.DistributionMeApi.as_view(), name="api-distribution-me"),
    path("distribution/apply", sharer.ApplyApi.as_view(), name="api-distribution-apply"),
    path("distribution/commissions", earnings.CommissionListApi.as_view(), name="api-distribution-commissions"),
    path("distribution/team", earnings.TeamApi.as_view(), name="api-distribution-team"),
    path("distribution/poster", sharer.PosterApi.as_view(), name="api-distribution-poster"),
    path("distribution/withdrawals", earnings.WithdrawalListApi.as_view(), name="api-distribution-withdrawals"),
]
