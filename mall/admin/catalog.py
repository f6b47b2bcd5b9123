from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Max, Min, OuterRef, Subquery, Sum
from django.forms.models import BaseInlineFormSet
from django.forms.utils import flatatt
from django.utils.html import format_html
from unfold.admin import ModelAdmin, TabularInline
from unfold.widgets import UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from config.admin_tools import YuanField, export_csv, export_xlsx, thumbnail
from config.media import absolute_media_url
from config.money import format_yuan
from config.rich_text import clean_rich_text
from mall.models import SKU, Banner, Category, Product, ProductImage
from mall.services.catalog import (
    catalog_changed,
    product_generate_skus,
    product_image_process,
    sku_adjust_stock,
)


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    list_display = ["name", "parent", "icon_preview", "product_count", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    list_select_related = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(num_products=Count("products"))

    @admin.display(description="图标")
    def icon_preview(self, category):
        return thumbnail(category.icon.url if category.icon else "", 32)

    @admin.display(description="商品数", ordering="num_products")
    def product_count(self, category):
        return category.num_products


class SpecsField(forms.CharField):
    """Specs as operators write them, one per line: `颜色: 红, 黑`."""

    widget = UnfoldAdminTextareaWidget(attrs={"rows": 3, "placeholder": "颜色: 红, 黑\n尺码: S, M, L"})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{spec['name']}: {', '.join(spec['values'])}" for spec in value)
        return value

    def clean(self, value):
        text = super().clean(value) or ""
        specs, names = [], set()
        for number, line in enumerate(filter(None, (line.strip() for line in text.replace("：", ":").splitlines())), 1):
            name, _, values = line.partition(":")
            name = name.strip()
            values = [v.strip() for v in values.replace("，", ",").split(",") if v.strip()]
            if not name or not values:
                raise forms.ValidationError(f"第 {number} 行应写成「规格名: 值1, 值2」")
            if name in names or len(set(values)) != len(values):
                raise forms.ValidationError(f"第 {number} 行：规格名或规格值重复")
            names.add(name)
            specs.append({"name": name, "values": values})
        return specs


class ProductForm(forms.ModelForm):
    specs = SpecsField(label="规格", required=False, help_text="每行一个规格；没有规格的商品留空，只需一个 SKU。")

    class Meta:
        model = Product
        fields = "__all__"

    def clean_description_html(self):
        return clean_rich_text(self.cleaned_data["description_html"])


class ProductImageInline(TabularInline):
    model = ProductImage
    extra = 1
    fields = ["preview", "image", "position"]
    readonly_fields = ["preview"]

    @admin.display(description="预览")
    def preview(self, image):
        return thumbnail(image.thumbnail.url if image.thumbnail else "", 64)


class SkuForm(forms.ModelForm):
    spec_text = forms.CharField(label="规格组合", required=False, help_text="按规格顺序，用 / 分隔，如：红 / M", widget=UnfoldAdminTextInputWidget)
    price_fen = YuanField(label="售价（元）")
    original_price_fen = YuanField(label="划线价（元）", required=False)

    class Meta:
        model = SKU
        fields = ["spec_text", "code", "price_fen", "original_price_fen", "stock", "image", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "stock" not in self.fields:
            return  # a view-only operator: the admin shows every field read-only
        self.fields["spec_text"].initial = self.instance.spec_label if self.instance.pk else ""
        # The page carries the stock the operator saw, so saving can apply the
        # difference they typed rather than the number itself.
        self.fields["stock"].show_hidden_initial = True

    def clean(self):
        cleaned = super().clean()
        # The product comes from the inline's parent (with the specs just typed there) or,
        # in the SKU list, from this form's own product field.
        product = cleaned.get("product") or getattr(self.instance, "product", None)
        specs = product.specs if product is not None else []
        values = [v.strip() for v in (cleaned.get("spec_text") or "").split("/") if v.strip()]
        if len(values) != len(specs):
            raise forms.ValidationError("规格组合应包含：" + " / ".join(spec["name"] for spec in specs) if specs else "该商品没有规格，规格组合请留空")
        for spec, value in zip(specs, values):
            if value not in spec["values"]:
                raise forms.ValidationError(f"「{value}」不是规格「{spec['name']}」的可选值")
        self.instance.spec = {spec["name"]: value for spec, value in zip(specs, values)}
        return cleaned

    def save(self, commit=True):
        # Stock moves by the difference the operator typed, applied to what is in the
        # database now, so units sold while the form was open are not written back.
        if not self.instance.pk:
            return super().save(commit)
        delta = self.cleaned_data["stock"] - self._stock_seen()
        sku = super().save(commit=False)
        sku.save(update_fields=[f for f in self._meta.fields if f not in ("spec_text", "stock")] + ["spec"])
        sku_adjust_stock(sku_id=sku.pk, delta=delta)
        return sku

    def _stock_seen(self) -> int:
        field = self["stock"]
        seen = field.field.hidden_widget().value_from_datadict(self.data, self.files, field.html_initial_name)
        try:
            return int(seen)
        except (TypeError, ValueError):
            return self.initial["stock"]


class SkuFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            key = tuple(sorted(form.instance.spec.items()))
            if key in seen:
                raise forms.ValidationError("有重复的规格组合")
            seen.add(key)


class CompactImageInput(forms.ClearableFileInput):
    """A SKU's picture in one table cell: its thumbnail, a short file picker and a clear
    box. The full-width uploader would push the SKU table off a 1280 px screen."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "type": "file", "name": name})
        attrs["class"] = f"{attrs.get('class', '')} text-xs".strip()
        picker = format_html('<input{} style="width:6.5rem">', flatatt(attrs))
        if not self.is_initial(value):
            return picker
        thumb = format_html('<a href="{0}" target="_blank" class="flex-none"><img src="{0}" alt="" width="32" height="32" '
                            'style="object-fit:cover;border-radius:6px;max-width:none"></a>', value.url)
        clear = ""
        if not self.is_required:
            checkbox = self.clear_checkbox_name(name)
            clear = format_html('<label class="text-xs whitespace-nowrap"><input type="checkbox" name="{}" id="{}"> 清除</label>',
                                checkbox, self.clear_checkbox_id(checkbox))
        return format_html('<div class="flex items-center gap-2">{}{}{}</div>', thumb, picker, clear)


class SkuInline(TabularInline):
    model = SKU
    form = SkuForm
    formset = SkuFormSet
    extra = 0
    min_num = 1
    fields = ["spec_text", "code", "price_fen", "original_price_fen", "stock", "image", "is_active"]
    formfield_overrides = {models.ImageField: {"widget": CompactImageInput}}


@admin.register(Product)
class ProductAdmin(ModelAdmin):
    form = ProductForm
    inlines = [ProductImageInline, SkuInline]
    list_display = ["cover_preview", "title", "category", "price_range", "total_stock", "sales", "is_on_sale", "is_featured", "updated_at"]
    list_display_links = ["cover_preview", "title"]
    list_filter = ["is_on_sale", "is_featured", ("category", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "subtitle", "skus__code"]
    list_select_related = ["category__parent"]
    autocomplete_fields = ["category"]
    readonly_fields = ["sales", "created_at", "updated_at"]
    list_per_page = 50
    actions = ["put_on_sale", "take_off_sale", "generate_skus", export_csv, export_xlsx]
    fieldsets = [
        (None, {"fields": ["title", "subtitle", "category", "is_on_sale", "is_featured", "position"]}),
        ("规格与限购", {"fields": ["specs", "purchase_limit"]}),
        ("详情", {"fields": ["description_html"]}),
        ("统计", {"fields": ["sales", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    export_fields = [
        ("ID", "id"),
        ("商品名称", "title"),
        ("分类", "category__name"),
        ("最低价（元）", lambda p: format_yuan(p.min_price)),
        ("总库存", "stock_total"),
        ("销量", "sales"),
        ("上架", lambda p: "是" if p.is_on_sale else "否"),
    ]

    def get_queryset(self, request):
        first_thumb = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("thumbnail")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(min_price=Min("skus__price_fen"), max_price=Max("skus__price_fen"), stock_total=Sum("skus__stock"))
            .annotate(cover=Subquery(first_thumb))
        )

    @admin.display(description="图片")
    def cover_preview(self, product):
        return thumbnail(absolute_media_url(product.cover))

    @admin.display(description="价格（元）", ordering="min_price")
    def price_range(self, product):
        low, high = format_yuan(product.min_price), format_yuan(product.max_price)
        return low if low == high else f"{low} ~ {high}"

    @admin.display(description="库存", ordering="stock_total")
    def total_stock(self, product):
        return product.stock_total or 0

    @admin.action(description="上架所选商品", permissions=["change"])
    def put_on_sale(self, request, queryset):
        updated = queryset.update(is_on_sale=True)
        catalog_changed()  # an UPDATE sends no post_save
        self.message_user(request, f"已上架 {updated} 个商品", messages.SUCCESS)

    @admin.action(description="下架所选商品", permissions=["change"])
    def take_off_sale(self, request, queryset):
        updated = queryset.update(is_on_sale=False)
        catalog_changed()  # an UPDATE sends no post_save
        self.message_user(request, f"已下架 {updated} 个商品", messages.SUCCESS)

    @admin.action(description="为所选商品补齐全部规格组合的 SKU", permissions=["change"])
    def generate_skus(self, request, queryset):
        created = sum(product_generate_skus(product=product) for product in queryset)
        self.message_user(request, f"新增 {created} 个 SKU（库存为 0，请补充库存与价格）", messages.SUCCESS)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is ProductImage:
            for image_form in formset.forms:
                image = image_form.instance
                if image.pk and "image" in image_form.changed_data and not image_form.cleaned_data.get("DELETE"):
                    product_image_process(image=image)


@admin.register(SKU)
class SkuAdmin(ModelAdmin):
    """All SKUs in one list, for stock takes: filter low stock, edit stock in place."""

    form = SkuForm
    list_display = ["product", "spec_label", "code", "price_yuan", "stock", "is_active"]
    list_filter = ["is_active", ("product__category", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["product__title", "code"]
    list_select_related = ["product"]
    raw_id_fields = ["product"]
    actions = [export_csv, export_xlsx]
    export_fields = [
        ("SKU ID", "id"),
        ("商品", "product__title"),
        ("规格", "spec_label"),
        ("货号", "code"),
        ("售价（元）", lambda sku: format_yuan(sku.price_fen)),
        ("库存", "stock"),
    ]

    def get_fields(self, request, obj=None):
        return ["product", *SkuForm.Meta.fields]

    @admin.display(description="规格")
    def spec_label(self, sku):
        return sku.spec_label or "—"

    @admin.display(description="售价（元）", ordering="price_fen")
    def price_yuan(self, sku):
        return format_yuan(sku.price_fen)


@admin.register(Banner)
class BannerAdmin(ModelAdmin):
    list_display = ["preview", "title", "link_url", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_display_links = ["preview", "title"]

    @admin.display(description="图片")
    def preview(self, banner):
        return thumbnail(banner.image.url if banner.image else "", 64)
