import io

import factory
from django.core.files.base import ContentFile
from PIL import Image

from mall.models import SKU, Address, CartItem, Category, Product, ProductImage
from members.models import Member


def png_bytes(size=(60, 60), colour=(228, 57, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    username = factory.Sequence(lambda n: f"wx_o_test_{n}")
    openid = factory.Sequence(lambda n: f"o_test_{n}")
    nickname = factory.Sequence(lambda n: f"测试用户{n}")
    avatar_url = "https://example.com/a.png"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"分类{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    title = factory.Sequence(lambda n: f"商品{n}")
    subtitle = "好物"
    category = factory.SubFactory(CategoryFactory)
    description_html = "<p>详情</p>"


class SKUFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SKU

    product = factory.SubFactory(ProductFactory)
    spec = factory.Sequence(lambda n: {"颜色": f"色{n}"})
    price_fen = 5000
    stock = 100


class ProductImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="p.png"))
    thumbnail = factory.LazyFunction(lambda: ContentFile(png_bytes((40, 40)), name="t.png"))


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    member = factory.SubFactory(MemberFactory)
    name = "张三"
    phone = "13800138000"
    province = "广东"
    city = "深圳"
    district = "南山区"
    detail = "科技园 1 号"
    is_default = False


class CartItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartItem

    member = factory.SubFactory(MemberFactory)
    sku = factory.SubFactory(SKUFactory)
    quantity = 1
