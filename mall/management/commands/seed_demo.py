import random

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.html import escape

from mall.demo import catalog
from mall.demo.pictures import banner_picture, colour_of, product_picture
from mall.models import SKU, Address, Banner, Category, Order, Product, ProductImage, ShopSettings, spec_key_of
from mall.services.addresses import address_create
from mall.services.catalog import product_image_process, spec_combinations
from mall.services.orders import Destination, LineRequest, order_create
from wechat.client import emulator_url
from wechat.emulator.users import ensure_default_users

COLOUR_SPECS = ("颜色", "色号")


class Command(BaseCommand):
    help = "Fill the shop with a believable demo catalogue, an operator and a few shoppers. Safe to run again."

    def handle(self, *args, **options):
        rng = random.Random(2026)  # the same demo every time
        with transaction.atomic():
            categories = self._categories()
            created = sum(self._product(rng, categories, *row) for row in catalog.PRODUCTS)
            self._banners()
            settings = ShopSettings.load()
            if not settings.service_phone:
                settings.service_phone = "400-800-1234"
                settings.save()
            self._operator()
            ensure_default_users()
            self._shoppers()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo shop ready: {Product.objects.count()} products ({created} new), "
                f"operator login {catalog.OPERATOR_USERNAME} / {catalog.OPERATOR_PASSWORD}"
            )
        )

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

    def _product(self, rng, categories, title, subtitle, category, shape, colour, specs, price, original, stock,
                 featured, limit, highlights) -> bool:
        product, created = Product.objects.get_or_create(
            title=title,
            defaults={
                "subtitle": subtitle,
                "category": categories[category],
                "specs": [{"name": name, "values": values} for name, values in specs],
                "is_featured": featured,
                "purchase_limit": limit,
                "sales": rng.randint(3, 2400) if limit is None else rng.randint(0, 3),
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
                    "code": f"MM{product.pk:03d}{rng.randint(100, 999)}",
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

    def _operator(self):
        Member = get_user_model()
        if not Member.objects.filter(username=catalog.OPERATOR_USERNAME).exists():
            Member.objects.create_superuser(
                username=catalog.OPERATOR_USERNAME, password=catalog.OPERATOR_PASSWORD, email="", nickname="店长"
            )

    def _shoppers(self):
        Member = get_user_model()
        first_sku = SKU.objects.filter(product__purchase_limit=None, stock__gt=5).order_by("id").first()
        for openid, nickname, gender, province, city in catalog.SHOPPERS:
            member, created = Member.objects.get_or_create(
                openid=openid,
                defaults={
                    "username": f"wx_{openid}",
                    "nickname": nickname,
                    "gender": gender,
                    "province": province,
                    "city": city,
                    "avatar_url": emulator_url(f"avatar/{openid}.png"),
                    "source_channel": "demo",
                    "points": 120,
                },
            )
            if created:
                member.set_unusable_password()
                member.save(update_fields=["password"])
            if not Address.objects.filter(member=member).exists():
                address_create(
                    member=member, name=nickname, phone="13800138000", province=province, city=city,
                    district="", detail="幸福路 88 号 3 栋 1201",
                )
            if first_sku and not Order.objects.filter(member=member).exists():
                address = Address.objects.filter(member=member).first()
                order_create(
                    member=member,
                    destination=Destination.of(address),
                    lines=[LineRequest(sku_id=first_sku.pk, quantity=1)],
                    note="演示订单",
                )


def _fen(yuan) -> int:
    return round(yuan * 100)
