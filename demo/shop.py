"""The demo shop's catalogue: categories, products with SKUs and pictures, banners."""

import random

from django.core.files.base import ContentFile
from django.utils.html import escape

from demo import catalog
from demo.pictures import banner_picture, colour_of, product_picture
from mall.models import (
    SKU,
    Banner,
    Category,
    Product,
    ProductImage,
    ShopSettings,
    spec_key_of,
)
from mall.services.catalog import product_image_process, spec_combinations

COLOUR_SPECS = ("颜色", "色号")


def seed_catalogue() -> int:
    """Create what is missing; returns how many products were new. Safe to run again."""
    return _Catalogue(random.Random(2026)).seed()  # the same demo every time


class _Catalogue:
    def __init__(self, rng):
        self.rng = rng

    def seed(self) -> int:
        categories = self._categories()
        created = sum(self._product(categories, *row) for row in catalog.PRODUCTS)
        self._banners()
        settings = ShopSettings.get_solo()
        if not settings.service_phone:
            # Demo template ids: the emulator accepts any well-formed id, so the service
            # messages show up on its 服务消息 page.
            settings.service_phone = "400-800-1234"
            settings.paid_template_id = "DEMO_order_paid_0001"
            settings.shipped_template_id = "DEMO_order_shipped_01"
            settings.refunded_template_id = "DEMO_refund_done_0001"
            settings.save()
        return created

    def _categories(self) -> dict[str, Category]:
        found = {}
        for position, (root_name, root) in enumerate(catalog.CATEGORIES.items()):
            parent = self._category(root_name, None, position, root["icon"])
            for child_position, (child_name, icon) in enumerate(root["children"].items()):
                found[child_name] = self._category(child_name, parent, child_position, icon)
        return found

    def _category(self, name, parent, position, icon) -> Category:
        category, created = Category.objects.get_or_create(name=name, parent=parent, defaults={"position": position})
        if created or not category.icon:
            shape, colour = icon
            category.icon.save(f"cat-{shape}.jpg", ContentFile(product_picture(shape, colour, size=160)), save=True)
        return category

    def _product(self, categories, title, subtitle, category, shape, colour, specs, price, original, stock,
                 featured, limit, highlights) -> bool:
        product, created = Product.objects.get_or_create(
            title=title,
            defaults={
                "subtitle": subtitle,
                "category": categories[category],
                "specs": [{"name": name, "values": values} for name, values in specs],
                "is_featured": featured,
                "purchase_limit": limit,
                "sales": self.rng.randint(3, 2400) if limit is None else self.rng.randint(0, 3),
            },
        )
        for spec in spec_combinations(product.specs) or [{}]:
            SKU.objects.get_or_create(
                product=product,
                spec_key=spec_key_of(spec),
                defaults={
                    "spec": spec,
                    "price_fen": _fen(price[next(v for v in spec.values() if v in price)] if isinstance(price, dict) else price),
                    "original_price_fen": _fen(original) if original else None,
                    "stock": stock,
                    "code": f"MM{product.pk:03d}{self.rng.randint(100, 999)}",
                },
            )
        if not product.images.exists():
            self._pictures(product, shape, colour, highlights)
        return created

    def _pictures(self, product, shape, colour, highlights):
        colour_spec = next((spec for spec in product.specs if spec["name"] in COLOUR_SPECS), None)
        tint = colour_of(colour_spec["values"][0], colour) if colour_spec else colour
        urls = []
        for variant in range(3):
            image = ProductImage(product=product, position=variant)
            image.image.save(f"p{product.pk}-{variant}.jpg", ContentFile(product_picture(shape, tint, variant=variant)), save=False)
            image.save()
            product_image_process(image=image)
            urls.append(image.image.url)
        if colour_spec:
            for sku in product.skus.all():
                value = sku.spec.get(colour_spec["name"])
                picture = product_picture(shape, colour_of(value, colour), size=400)
                sku.image.save(f"sku{sku.pk}.jpg", ContentFile(picture), save=True)
        items = "".join(f"<li>{escape(text)}</li>" for text in highlights)
        product.description_html = (
            f"<h3>产品亮点</h3><ul>{items}</ul><img src=\"{urls[1]}\" alt=\"\">"
            f"<p>{escape(product.subtitle)}。下单后 48 小时内发货，支持 7 天无忧售后。</p><img src=\"{urls[2]}\" alt=\"\">"
        )
        product.save(update_fields=["description_html"])

    def _banners(self):
        for position, (title, colours, shapes, link) in enumerate(catalog.BANNERS):
            banner, created = Banner.objects.get_or_create(title=title, defaults={"link_url": link, "position": position})
            if created or not banner.image:
                banner.image.save(f"banner-{position}.jpg", ContentFile(banner_picture(colours, shapes)), save=True)


def _fen(yuan) -> int:
    return round(yuan * 100)
