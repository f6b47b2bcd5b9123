from django.db import transaction

from config.errors import NotFound
from mall.errors import AddressLimitReached
from mall.models import Address
from mall.selectors import member_address
from mall.services.locks import lock_member

MAX_ADDRESSES = 20


@transaction.atomic
def address_create(*, member, is_default: bool = False, **fields) -> Address:
    lock_member(member)
    count = Address.objects.filter(member=member).count()
    if count >= MAX_ADDRESSES:
        raise AddressLimitReached()
    is_default = is_default or count == 0  # the first address is the default
    if is_default:
        Address.objects.filter(member=member, is_default=True).update(is_default=False)
    return Address.objects.create(member=member, is_default=is_default, **fields)


@transaction.atomic
def address_update(*, member, address_id: int, **fields) -> Address:
    lock_member(member)
    address = _own_address(member, address_id)
    if fields.get("is_default") and not address.is_default:
        Address.objects.filter(member=member, is_default=True).update(is_default=False)
    for name, value in fields.items():
        setattr(address, name, value)
    address.save()
    return address


@transaction.atomic
def address_delete(*, member, address_id: int) -> None:
    lock_member(member)
    address = _own_address(member, address_id)
    address.delete()
    if address.is_default:
        newest = Address.objects.filter(member=member).order_by("-id").first()
        if newest is not None:
            Address.objects.filter(pk=newest.pk).update(is_default=True)


def _own_address(member, address_id: int) -> Address:
    address = member_address(member=member, address_id=address_id)
    if address is None:
        raise NotFound("收货地址不存在")
    return address
