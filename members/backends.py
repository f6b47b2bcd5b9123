from django.contrib.auth.backends import BaseBackend
from django.db import connection

from config.rows import ModelRows
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
        """Every logged-in request asks this: one hand-written SELECT (config/rows.py), since
        compiling the equivalent filter().first() cost more CPU than the database spent."""
        try:
            member_id = int(user_id)
        except (TypeError, ValueError):
            return None
        with connection.cursor() as cursor:
            cursor.execute(ACTIVE_MEMBER, [member_id])
            row = cursor.fetchone()
        return MEMBER_ROWS.build(row) if row else None


MEMBER_ROWS = ModelRows(Member)
ACTIVE_MEMBER = f"SELECT {MEMBER_ROWS.columns()} FROM {Member._meta.db_table} WHERE id = %s AND is_active"  # noqa: S608 — names only
