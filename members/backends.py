from django.contrib.auth.backends import BaseBackend

from members.models import Member
from members.services.profiles import member_upsert_from_wechat


class WeChatBackend(BaseBackend):
    """Logs a shopper in from a WeChat profile that `wechat.oauth.login_from_code`
    obtained from WeChat itself; the `wechat` package stays ignorant of members."""

    def authenticate(self, request, wechat_profile=None, **kwargs):
        if wechat_profile is None:
            return None
        member = member_upsert_from_wechat(profile=wechat_profile)
        return member if member.is_active else None

    def get_user(self, user_id):
        return Member.objects.filter(pk=user_id, is_active=True).first()
