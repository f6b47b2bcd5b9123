"""The storefront API's list filters (django-filter): each parameter validated like any
input (a wrong one is a 400 naming it) and applied through the selectors."""

from django import forms
from django_filters import rest_framework as filters

from mall import selectors
from mall.models import Coupon, Order, OrderStatus, Product


class IdFilter(filters.Filter):
    """A database id: a whole number (not "1e3", not "²"), positive, within bigint."""

    field_class = forms.IntegerField


class ProductFilter(filters.FilterSet):
    category = IdFilter(min_value=1, max_value=2**63 - 1, method="in_category", help_text="分类 id，含子分类")
    q = filters.CharFilter(max_length=50, method="matching", help_text="按标题、副标题搜索")
    ordering = filters.ChoiceFilter(choices=[(key, key) for key in selectors.ORDERINGS], method="ordered", help_text="排序")

    class Meta:
        model = Product
        fields = ["category", "q", "ordering"]

    def in_category(self, products, name, value):
        return selectors.products_in_category(products, value)

    def matching(self, products, name, value):
        return selectors.products_matching(products, value.strip())

    def ordered(self, products, name, value):
        return selectors.products_ordered(products, value)

    def cards(self) -> selectors.ProductCards:
        """The products these (valid) parameters ask for, as the cards lists show."""
        data = self.form.cleaned_data
        return selectors.ProductCards(category_id=data.get("category"), query=(data.get("q") or "").strip(), ordering=data.get("ordering") or "")


class OrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices, help_text="订单状态")

    class Meta:
        model = Order
        fields = ["status"]


class CouponFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=selectors.COUPON_LIST_STATUSES, method="in_status",
        help_text="unused 未使用（未过期）；used 已使用；expired 未使用且已过期",
    )

    class Meta:
        model = Coupon
        fields = ["status"]

    def in_status(self, coupons, name, value):
        return selectors.coupons_in_status(coupons, value)
