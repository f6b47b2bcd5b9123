"""The sharer API's list filters (django-filter): a wrong value is a 400 naming it."""

from django_filters import rest_framework as filters

from distribution.models import Commission, CommissionStatus, Withdrawal, WithdrawalStatus


class CommissionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=CommissionStatus.choices, help_text="佣金状态")

    class Meta:
        model = Commission
        fields = ["status"]


class WithdrawalFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=WithdrawalStatus.choices, help_text="提现状态")

    class Meta:
        model = Withdrawal
        fields = ["status"]
