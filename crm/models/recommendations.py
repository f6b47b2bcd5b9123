from django.db import models


class Recommendation(models.Model):
    """A product to suggest beside another, worked out nightly from purchase history."""

    class Kind(models.TextChoices):
        BOUGHT_TOGETHER = "together", "经常一起买"
        SAME_CATEGORY = "category", "同类热销"

    product = models.ForeignKey("mall.Product", verbose_name="商品", on_delete=models.CASCADE, related_name="+")
    recommended = models.ForeignKey("mall.Product", verbose_name="推荐商品", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("依据", max_length=10, choices=Kind.choices)
    score = models.PositiveIntegerField("得分", help_text="一起购买的会员数，或同类商品的购买会员数")
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        verbose_name = "商品推荐"
        verbose_name_plural = "商品推荐"
        constraints = [
            models.UniqueConstraint(fields=["product", "recommended", "kind"], name="recommendation_once", violation_error_message="这条推荐已存在"),
            models.CheckConstraint(condition=~models.Q(product=models.F("recommended")), name="recommendation_not_itself",
                                   violation_error_message="不能推荐商品本身"),
        ]
        indexes = [models.Index(fields=["product", "-score"])]
