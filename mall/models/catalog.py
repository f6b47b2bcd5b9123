from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from config.validators import site_path_validator


class Category(models.Model):
    name = models.CharField("名称", max_length=32)
    parent = models.ForeignKey(
        "self", verbose_name="上级分类", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    icon = models.ImageField("图标", upload_to="categories/", blank=True)
    position = models.IntegerField("排序", default=0, help_text="数字小的排在前面")
    is_active = models.BooleanField("显示", default=True)

    class Meta:
        verbose_name = "商品分类"
        verbose_name_plural = "商品分类"
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_name_unique_in_parent", violation_error_message="同一上级分类下已有同名分类"),
            models.UniqueConstraint(fields=["name"], condition=Q(parent=None), name="category_root_name_unique", violation_error_message="已有同名的一级分类"),
        ]

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": "上级分类不能是它自己或它的下级分类。"})
            ancestor = ancestor.parent


class Product(models.Model):
    title = models.CharField("商品名称", max_length=100)
    subtitle = models.CharField("副标题", max_length=200, blank=True)
    category = models.ForeignKey(Category, verbose_name="分类", on_delete=models.PROTECT, related_name="products")
    description_html = models.TextField("详情（HTML）", blank=True)
    # [{"name": "颜色", "values": ["红", "黑"]}, ...]: each SKU picks one value per spec.
    specs = models.JSONField("规格", default=list, blank=True)
    is_on_sale = models.BooleanField("上架", default=True, db_index=True)
    is_featured = models.BooleanField("首页推荐", default=False)
    sales = models.PositiveIntegerField("销量", default=0)
    purchase_limit = models.PositiveIntegerField("每人限购", null=True, blank=True, help_text="留空表示不限购")
    position = models.IntegerField("排序", default=0, help_text="数字小的排在前面")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "商品"
        verbose_name_plural = "商品"
        ordering = ["position", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(purchase_limit__gte=1) | Q(purchase_limit=None), name="product_limit_positive", violation_error_message="限购数量至少为 1，或留空表示不限购"),
        ]
        indexes = [models.Index(fields=["is_on_sale", "position"], name="product_on_sale_position")]

    def __str__(self):
        return self.title


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField("图片", upload_to="products/%Y/%m/")
    thumbnail = models.ImageField("缩略图", upload_to="products/thumbs/%Y/%m/", blank=True, editable=False)
    position = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = "商品图片"
        verbose_name_plural = "商品图片"
        ordering = ["position", "id"]

    def __str__(self):
        return self.image.name


def spec_key_of(spec: dict) -> str:
    """A canonical text for a spec combination, so the database can refuse duplicates."""
    return "|".join(f"{name}:{spec[name]}" for name in sorted(spec))


class SKU(models.Model):
    product = models.ForeignKey(Product, verbose_name="商品", on_delete=models.CASCADE, related_name="skus")
    spec = models.JSONField("规格组合", default=dict, blank=True)  # {"颜色": "红", "尺码": "M"}
    spec_key = models.CharField(max_length=255, editable=False)
    code = models.CharField("货号", max_length=64, blank=True)
    price_fen = models.PositiveIntegerField("售价（分）")
    original_price_fen = models.PositiveIntegerField("划线价（分）", null=True, blank=True)
    stock = models.IntegerField("库存", default=0)
    image = models.ImageField("规格图", upload_to="skus/%Y/%m/", blank=True)
    is_active = models.BooleanField("可售", default=True)

    class Meta:
        verbose_name = "SKU"
        verbose_name_plural = "SKU 与库存"
        ordering = ["product_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_not_negative", violation_error_message="库存不能为负数"),
            models.UniqueConstraint(fields=["product", "spec_key"], name="sku_spec_unique_per_product", violation_error_message="该商品已有相同规格组合的 SKU"),
        ]
        indexes = [models.Index(fields=["product", "is_active", "price_fen"], name="sku_product_price")]

    def __str__(self):
        return f"{self.product.title} {self.spec_label}".strip()

    @property
    def spec_label(self) -> str:
        return " / ".join(str(value) for value in self.spec.values())

    def save(self, *args, **kwargs):
        self.spec_key = spec_key_of(self.spec)
        if kwargs.get("update_fields") is not None and "spec" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "spec_key"}
        super().save(*args, **kwargs)


class Banner(models.Model):
    title = models.CharField("标题", max_length=60)
    image = models.ImageField("图片", upload_to="banners/", help_text="建议 750×320")
    link_url = models.CharField("链接", max_length=255, blank=True, validators=[site_path_validator], help_text="站内路径，如 /products/12/")
    position = models.IntegerField("排序", default=0)
    is_active = models.BooleanField("显示", default=True)

    class Meta:
        verbose_name = "首页轮播图"
        verbose_name_plural = "首页轮播图"
        ordering = ["position", "id"]

    def __str__(self):
        return self.title
