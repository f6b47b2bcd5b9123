"""Operator groups by job, and exactly what each may do in the admin.

Synced after every `migrate`: each group holds exactly the permissions listed here
(new models join, dropped grants leave). An operator account gets its rights by joining
one or more groups, never by ticking permissions one by one. Money moves only with an
explicit permission (`approve_refund`, `approve_withdrawal`), never with `change_*`.
Operator accounts themselves (staff and superuser flags, groups, passwords) are not in
any group: only superusers manage them (members/admin.py, 运营账号).
"""

from django.contrib.auth.models import Group, Permission

ALL = ("add", "change", "delete", "view")
EDIT = ("view", "change")
VIEW = ("view",)

GROUPS = {
    # Catalogue and stock.
    "商品运营": {
        "mall.category": ALL,
        "mall.product": ALL,
        "mall.productimage": ALL,
        "mall.sku": ALL,
    },
    # Orders, shipping and notes; sees after-sales and payments, decides no money.
    "订单客服": {
        "mall.order": EDIT,
        "mall.orderline": VIEW,
        "mall.orderevent": VIEW,
        "mall.refund": VIEW,
        "mall.payment": VIEW,
        "mall.product": VIEW,
        "mall.sku": VIEW,
        "wechat.templatemessage": VIEW,
        "members.member": VIEW,
        # The customer-service desk: the inbox (change = reply) and follow-up records.
        "crm.conversation": EDIT,
        "crm.followup": ("add", "view"),
    },
    # Money out: refunds, withdrawals and payouts; every ledger, read only.
    "财务": {
        "mall.refund": ("view", "approve"),
        "mall.payment": VIEW,
        "mall.refusednotice": VIEW,
        "mall.order": VIEW,
        "mall.orderline": VIEW,
        "mall.orderevent": VIEW,
        "distribution.withdrawal": ("view", "approve"),
        "distribution.commission": VIEW,
        "distribution.ledgerentry": VIEW,
        "distribution.distributiondashboard": VIEW,
        "members.balanceentry": VIEW,
        "members.member": VIEW,
    },
    # What brings people in and back: the home page banners, channels and their QR
    # codes (campaigns, coupons and pushes join when they exist).
    "营销运营": {
        "campaigns.campaign": ALL,
        "campaigns.followgift": ALL,
        "campaigns.referralgift": ALL,
        "campaigns.giftgrant": VIEW,
        "campaigns.invitation": VIEW,
        "campaigns.checkinsetup": ALL,
        "campaigns.checkinmilestone": ALL,
        "campaigns.checkin": VIEW,
        "campaigns.campaignsettings": EDIT,
        "campaigns.wheel": ALL,
        "campaigns.wheelprize": ALL,
        "campaigns.spin": VIEW,
        "campaigns.prizeshipment": EDIT,
        "campaigns.redpacket": ("add", "change", "view"),  # a made packet is history: never deleted
        "campaigns.packetshare": VIEW,
        "campaigns.sharepacketsetup": ALL,
        "members.pointsentry": VIEW,
        "mall.coupontemplate": ALL,
        "mall.coupon": VIEW,
        "mall.banner": ALL,
        "wechat.accountsettings": EDIT,
        "crm.channel": ALL,
        "crm.shortlink": ("add", "change", "view"),  # a printed code is never deleted
        "crm.linkclick": VIEW,
        "crm.trackedevent": VIEW,
        "crm.recommendation": VIEW,
        "crm.segment": ALL,  # the audiences of pushes, coupon drops and campaigns
        "crm.crmdashboard": VIEW,
        "crm.push": ("add", "change", "view"),  # a push is cancelled, never deleted: what was sent stays
        "crm.coupondrop": ("add", "view", "cancel"),  # what was given stays: cancelled, never changed or deleted
        "crm.pushrecipient": VIEW,
        "crm.crmsettings": EDIT,  # the weekly cap
        "crm.tag": VIEW,
        "mall.product": VIEW,
        "mall.category": VIEW,
        "members.member": VIEW,
    },
    # Member marketing data; never operator accounts or permissions.
    "会员运营": {
        "members.member": EDIT,
        "members.profileattribute": ALL,
        "crm.segment": ALL,
        "crm.tag": ALL,
        "crm.crmdashboard": VIEW,
        "crm.channel": VIEW,
        "crm.shortlink": VIEW,
        "crm.linkclick": VIEW,
        "crm.trackedevent": VIEW,
        "crm.recommendation": VIEW,
        "crm.conversation": VIEW,
        "crm.followup": ("add", "view"),  # calls and visits are follow-ups too; never edited afterwards
        "crm.coupondrop": VIEW,
        "wechat.accountevent": VIEW,
    },
    "分销运营": {
        "distribution.distributor": EDIT,
        "distribution.referral": EDIT,
        "distribution.referralchange": VIEW,
        "distribution.commission": VIEW,
        "distribution.distributiondashboard": VIEW,
        "distribution.withdrawal": VIEW,
        "distribution.ledgerentry": VIEW,
        "distribution.grade": ALL,
        "distribution.skucommission": ALL,
        "distribution.distributionsettings": EDIT,
        "members.member": VIEW,
    },
    # Beyond the other groups (which the manager holds too): the shop's settings, the
    # scheduled jobs, stuck event deliveries and members' personal-data requests.
    "店长": {
        "mall.shopsettings": EDIT,
        "members.member": ("export", "erase"),  # answering a member's own data requests
        "django_celery_beat.periodictask": EDIT,  # switch, reschedule, run now; new tasks are the superuser's
        "django_celery_beat.intervalschedule": ALL,
        "django_celery_beat.crontabschedule": ALL,
        "outbox.event": VIEW,
        "outbox.delivery": ("view", "retry"),
    },
}
# The shop manager may do everything every other group may: all but superuser powers.
MANAGER = "店长"


def group_permissions() -> dict[str, set[Permission]]:
    """Each group's permissions as they must be."""
    found = {
        (permission.content_type.app_label, permission.codename): permission
        for permission in Permission.objects.select_related("content_type")
    }
    wanted = {}
    for name, grants in GROUPS.items():
        wanted[name] = {
            found[(app_label, f"{action}_{model}")]
            for model_label, actions in grants.items()
            for app_label, model in [model_label.split(".")]
            for action in actions
            if (app_label, f"{action}_{model}") in found  # an app not migrated yet
        }
    wanted[MANAGER] = set().union(*wanted.values())
    return wanted


def sync_operator_groups(**kwargs) -> None:
    for name, permissions in group_permissions().items():
        Group.objects.get_or_create(name=name)[0].permissions.set(permissions)
