import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

# No 0/O/1/I/L: codes are read aloud and typed from posters.
REFERRAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_referral_code() -> str:
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(8))


class Gender(models.IntegerChoices):
    UNKNOWN = 0, "未知"
    MALE = 1, "男"
    FEMALE = 2, "女"


class Member(AbstractUser):
    """A shopper (keyed by WeChat openid) or an operator (a member with staff rights)."""

    openid = models.CharField("openid", max_length=64, unique=True, null=True, blank=True)
    unionid = models.CharField("unionid", max_length=64, unique=True, null=True, blank=True)
    nickname = models.CharField("昵称", max_length=64, blank=True)
    avatar_url = models.URLField("头像", max_length=500, blank=True)
    gender = models.PositiveSmallIntegerField("性别", choices=Gender.choices, default=Gender.UNKNOWN)
    province = models.CharField("省份", max_length=32, blank=True)
    city = models.CharField("城市", max_length=32, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True, db_index=True)
    source_channel = models.CharField("来源渠道", max_length=64, blank=True, db_index=True)
    referral_code = models.CharField("推荐码", max_length=16, unique=True, default=new_referral_code)
    points = models.IntegerField("积分", default=0)
    balance_fen = models.BigIntegerField("余额（分）", default=0)

    objects = UserManager()

    class Meta:
        verbose_name = "会员"
        verbose_name_plural = "会员"
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="member_points_not_negative"),
            models.CheckConstraint(condition=Q(balance_fen__gte=0), name="member_balance_not_negative"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.nickname or self.username
