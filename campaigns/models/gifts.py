from django.conf import settings
from django.db import models

from campaigns.models.calendar import Campaign, Reward


class FollowGift(models.Model):
    """有奖关注: following the official account through this campaign's QR code gives a
    prize, once per member however often they unfollow and follow again."""

    campaign = models.OneToOneField(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="follow_gift")
    reward = models.ForeignKey(Reward, verbose_name="奖励", on_delete=models.PROTECT, related_name="+")
    qr_ticket = models.CharField("二维码 ticket", max_length=128, blank=True)
    qr_image_url = models.URLField("二维码图片", max_length=500, blank=True)

    class Meta:
        verbose_name = "有奖关注"
        verbose_name_plural = "有奖关注"

    @property
    def scene(self) -> str:
        return f"cp_{self.campaign_id}"


class ReferralGift(models.Model):
    """老带新: when an invited member's first order completes, both they and the member who
    invited them get a reward, once."""

    campaign = models.OneToOneField(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="referral_gift")
    inviter_reward = models.ForeignKey(Reward, verbose_name="邀请人奖励", on_delete=models.PROTECT, related_name="+")
    invitee_reward = models.ForeignKey(Reward, verbose_name="新会员奖励", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "老带新"
        verbose_name_plural = "老带新"


class Invitation(models.Model):
    """Who brought whom, as campaigns heard it (the referral events): a member is invited
    once, by the first member who brought them."""

    invitee = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="新会员", on_delete=models.CASCADE, related_name="+")
    inviter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="邀请人", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "邀请关系"
        verbose_name_plural = "邀请关系"


class GiftGrant(models.Model):
    """A gift given: unique per campaign, member and reason, so it is given once."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.PROTECT, related_name="gift_grants")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("原因", max_length=20)  # "follow", "invited", "inviter:<invitee id>"
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "活动赠礼"
        verbose_name_plural = "活动赠礼"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member", "reason"], name="gift_once", violation_error_message="该赠礼已发放"),
        ]
