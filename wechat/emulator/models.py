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
    subscribed = models.BooleanField(default=True)  # follows the official account
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


class IssuedToken(models.Model):
    """Access tokens and JS-SDK tickets the emulator handed out (valid two hours)."""

    class Kind(models.TextChoices):
        ACCESS_TOKEN = "access_token"
        JSAPI_TICKET = "jsapi_ticket"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(max_length=128, unique=True, default=new_token)
    appid = models.CharField(max_length=32)
    expires_at = models.DateTimeField()


class MchOrder(models.Model):
    """WeChat Pay's side of a unified order."""

    class State(models.TextChoices):
        NOTPAY = "NOTPAY", "未支付"
        SUCCESS = "SUCCESS", "支付成功"
        REFUND = "REFUND", "转入退款"
        CLOSED = "CLOSED", "已关闭"

    appid = models.CharField(max_length=32)
    mch_id = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=32, unique=True)
    prepay_id = models.CharField(max_length=64, unique=True)
    body = models.CharField(max_length=128)
    total_fee = models.PositiveBigIntegerField()
    openid = models.CharField(max_length=64)
    notify_url = models.CharField(max_length=256)
    client_ip = models.CharField(max_length=64)
    time_start = models.DateTimeField(null=True, blank=True)
    time_expire = models.DateTimeField()
    trade_state = models.CharField(max_length=10, choices=State.choices, default=State.NOTPAY)
    transaction_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    time_end = models.DateTimeField(null=True, blank=True)
    refunded_fee = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class MchRefund(models.Model):
    class Status(models.TextChoices):
        PROCESSING = "PROCESSING", "退款处理中"
        SUCCESS = "SUCCESS", "退款成功"

    order = models.ForeignKey(MchOrder, on_delete=models.CASCADE, related_name="refunds")
    out_refund_no = models.CharField(max_length=64, unique=True)
    refund_id = models.CharField(max_length=32, unique=True)
    refund_fee = models.PositiveBigIntegerField()
    notify_url = models.CharField(max_length=256, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    success_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class Delivery(models.Model):
    """Something the emulator sent to the shop, and what the shop answered."""

    kind = models.CharField(max_length=20)  # payment, refund, event
    reference = models.CharField(max_length=64, db_index=True)  # out_trade_no, out_refund_no, openid
    url = models.CharField(max_length=500)
    body = models.TextField()
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    @property
    def accepted(self) -> bool:
        return self.status_code == 200 and ("SUCCESS" in self.response or self.kind == "event")


class SentTemplateMessage(models.Model):
    touser = models.CharField(max_length=64)
    template_id = models.CharField(max_length=64)
    url = models.CharField(max_length=500, blank=True)
    data = models.JSONField()
    msgid = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class QrTicket(models.Model):
    ticket = models.CharField(max_length=128, unique=True, default=new_token)
    action_name = models.CharField(max_length=32)
    scene = models.CharField(max_length=64)
    expires_at = models.DateTimeField(null=True, blank=True)  # permanent codes have none
    created_at = models.DateTimeField(auto_now_add=True)


class MchTransfer(models.Model):
    """A payment from the merchant to a user's wallet (企业付款)."""

    partner_trade_no = models.CharField(max_length=32, unique=True)
    openid = models.CharField(max_length=64)
    amount = models.PositiveBigIntegerField()
    description = models.CharField(max_length=100)
    payment_no = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class MchRedPack(models.Model):
    """A cash red packet the merchant sent to a user (现金红包), once per mch_billno."""

    mch_billno = models.CharField(max_length=28, unique=True)
    openid = models.CharField(max_length=64)
    total_amount = models.PositiveBigIntegerField()
    send_name = models.CharField(max_length=32)
    act_name = models.CharField(max_length=32)
    wishing = models.CharField(max_length=128)
    remark = models.CharField(max_length=256)
    send_listid = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class MassThumb(models.Model):
    """A cover uploaded as a temporary thumb (`media/upload?type=thumb`): the JPEG as sent.
    WeChat keeps temporary media three days."""

    media_id = models.CharField(max_length=64, unique=True, default=new_token)
    image = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class MassNews(models.Model):
    """A news message uploaded for mass sending (`media/uploadnews`): its articles as sent."""

    media_id = models.CharField(max_length=64, unique=True, default=new_token)
    articles = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class MassMessage(models.Model):
    """One user's copy of a mass message (`message/mass/send` or `/preview`), what their
    phone shows."""

    msg_id = models.BigIntegerField(db_index=True)
    news = models.ForeignKey(MassNews, on_delete=models.PROTECT, related_name="messages")
    touser = models.CharField(max_length=64)
    preview = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["touser", "created_at"], name="emulator_mass_by_user")]


class CustomMessage(models.Model):
    """One line of a user's chat with the official account: a text the user sent, or a
    customer-service message the shop sent back (`message/custom/send`)."""

    class Sender(models.TextChoices):
        USER = "user", "用户"
        ACCOUNT = "account", "公众号"

    openid = models.CharField(max_length=64)
    sender = models.CharField(max_length=8, choices=Sender.choices)
    msgtype = models.CharField(max_length=16, default="text")
    content = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["openid", "sender", "created_at"], name="emulator_chat_by_user")]
