import pytest
from django.contrib.auth.models import Group

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def operator(group_name):
    member = MemberFactory(is_staff=True)
    member.groups.add(Group.objects.get(name=group_name))
    return member


def test_operator_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {"商品运营", "订单客服", "会员运营", "店长"}


def test_customer_service_reads_orders_but_cannot_edit_products(client):
    client.force_login(operator("订单客服"))
    assert client.get("/admin/mall/order/").status_code == 200
    assert client.get("/admin/mall/product/add/").status_code == 403
    assert client.get("/admin/mall/shopsettings/1/change/").status_code == 403


def test_catalogue_operators_edit_products_but_not_settings(client):
    client.force_login(operator("商品运营"))
    assert client.get("/admin/mall/product/add/").status_code == 200
    assert client.get("/admin/mall/shopsettings/1/change/").status_code == 403


def test_the_shop_manager_may_do_what_every_group_may():
    manager = Group.objects.get(name="店长").permissions.all()
    for name in ("商品运营", "订单客服", "会员运营", "分销运营"):
        assert set(Group.objects.get(name=name).permissions.all()) <= set(manager)
    assert manager.filter(codename="change_shopsettings").exists()
