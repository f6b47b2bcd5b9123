"""Operator groups and what each may do in the admin.

Synced after every `migrate` (permissions of new models join their group); an operator
account gets its rights by joining one or more groups, never by ticking permissions one
by one. Staff flag + group = a working operator.
"""

from django.contrib.auth.models import Group, Permission

ALL = ("add", "change", "delete", "view")
VIEW = ("view",)

GROUPS = {
    "商品运营": {
        "mall.category": ALL,
        "mall.product": ALL,
        "mall.productimage": ALL,
        "mall.sku": ALL,
        "mall.banner": ALL,
        "mall.order": VIEW,
    },
    "订单客服": {
        "mall.order": ("view", "change"),
        "mall.refund": ("view", "change"),
        "mall.payment": VIEW,
        "wechat.templatemessage": VIEW,
        "mall.orderline": VIEW,
        "mall.orderevent": VIEW,
        "mall.product": VIEW,
        "mall.sku": VIEW,
        "crm.member": VIEW,
    },
    "会员运营": {
        "crm.member": ("view", "change"),
        "crm.profileattribute": ALL,
        "crm.channel": ALL,
        "wechat.accountevent": VIEW,
        "mall.order": VIEW,
    },
    "分销运营": {
        "distribution.distributor": ("view", "change"),
        "distribution.referral": ("view", "change"),
        "distribution.referralchange": VIEW,
        "distribution.commission": VIEW,
        "distribution.withdrawal": ("view", "change"),
        "distribution.ledgerentry": VIEW,
        "distribution.grade": ALL,
        "distribution.skucommission": ALL,
        "distribution.distributionsettings": ("view", "change"),
        "crm.member": VIEW,
    },
    "店长": {
        "mall.shopsettings": ("view", "change"),
        "django_celery_beat.periodictask": ALL,
        "django_celery_beat.intervalschedule": ALL,
        "django_celery_beat.crontabschedule": ALL,
    },
}
# The shop manager may do everything the other groups may, plus the settings above.
MANAGER = "店长"


def sync_operator_groups(**kwargs) -> None:
    manager_permissions: set[Permission] = set()
    for name, grants in GROUPS.items():
        permissions = _permissions(grants)
        manager_permissions |= permissions
        if name != MANAGER:
            Group.objects.get_or_create(name=name)[0].permissions.add(*permissions)
    Group.objects.get_or_create(name=MANAGER)[0].permissions.add(*manager_permissions)


def _permissions(grants: dict[str, tuple[str, ...]]) -> set[Permission]:
    wanted = {}
    for model_label, actions in grants.items():
        app_label, model = model_label.split(".")
        for action in actions:
            wanted[(app_label, f"{action}_{model}")] = True
    found = Permission.objects.filter(content_type__app_label__in={app for app, _ in wanted}).select_related("content_type")
    return {permission for permission in found if (permission.content_type.app_label, permission.codename) in wanted}
