import secrets

from django.db import models

from wechat.client import emulator_url


class EmulatedUser(models.Model):
    """A test WeChat user that can log in through the emulator's authorize page."""

    openid = models.CharField(max_length=64, unique=True)
    unionid = models.CharField(max_length=64, unique=True)
    nickname = models.CharField(max_length=64)
    sex = models.PositiveSmallIntegerField(default=0)
    province = models.CharField(max_length=32, blank=True)
    city = models.CharField(max_length=32, blank=True)
    country = models.CharField(max_length=32, default="中国")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "模拟微信用户"
        verbose_name_plural = "模拟微信用户"
        ordering = ["id"]

    def __str__(self):
        return f"{self.nickname} ({self.openid})"

    @property
    def headimgurl(self) -> str:
        return emulator_url(f"avatar/{self.openid}.png")


def new_token() -> str:
    return secrets.token_urlsafe(32)


class OAuthGrant(models.Model):
    """One consent on the authorize page: a code, exchanged at most once for a token."""

    code = models.CharField(max_length=64, unique=True, default=new_token)
    user = models.ForeignKey(EmulatedUser, on_delete=models.CASCADE, related_name="grants")
    appid = models.CharField(max_length=32)
    scope = models.CharField(max_length=32)
    issued_at = models.DateTimeField(auto_now_add=True)
    exchanged_at = models.DateTimeField(null=True, blank=True)
    access_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    refresh_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "模拟网页授权"
        verbose_name_plural = "模拟网页授权"
