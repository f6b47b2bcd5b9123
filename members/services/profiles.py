from django.db import transaction

from members.models import Gender, Member
from members.selectors import active_attributes
from members.services.profile_attributes import clean_attribute_values
from wechat.oauth import WeChatProfile

# Fields WeChat owns: refreshed at every login because the shopper changes them in WeChat.
_WECHAT_OWNED = ("nickname", "avatar_url")
# Fields the member may correct in the store: WeChat only fills them while they are blank.
_FILLED_IF_BLANK = ("province", "city")


@transaction.atomic
def member_upsert_from_wechat(*, profile: WeChatProfile) -> Member:
    member, created = Member.objects.get_or_create(
        openid=profile.openid,
        defaults={
            "username": f"wx_{profile.openid}"[:150],
            "unionid": profile.unionid or None,
            "nickname": profile.nickname,
            "avatar_url": profile.avatar_url,
            "gender": profile.gender,
            "province": profile.province,
            "city": profile.city,
        },
    )
    if created:
        member.set_unusable_password()
        member.save(update_fields=["password"])
        return member

    changed = [name for name in _WECHAT_OWNED if getattr(profile, name) and getattr(member, name) != getattr(profile, name)]
    changed += [name for name in _FILLED_IF_BLANK if getattr(profile, name) and not getattr(member, name)]
    if profile.gender and member.gender == Gender.UNKNOWN:
        changed.append("gender")
    if profile.unionid and not member.unionid:
        changed.append("unionid")
    for name in changed:
        setattr(member, name, getattr(profile, name))
    if changed:
        member.save(update_fields=changed)
    return member


@transaction.atomic
def member_update_profile(*, member: Member, attributes: dict | None = None, **fields) -> Member:
    """Set profile fields and operator-defined attribute values (None clears one)."""
    if attributes:
        cleaned = clean_attribute_values(attributes, active_attributes())
        # Re-read under the row lock: two edits of different attributes must both stay.
        current = Member.objects.select_for_update(no_key=True).values_list("attributes", flat=True).get(pk=member.pk)
        merged = {**current, **cleaned}
        fields["attributes"] = {key: value for key, value in merged.items() if value is not None}
    for name, value in fields.items():
        setattr(member, name, value)
    if fields:
        member.save(update_fields=list(fields))
    return member
