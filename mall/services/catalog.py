import itertools

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from mall.models import SKU, Product, ProductImage, spec_key_of
from mall.services.images import downscaled, square_thumbnail


def product_image_process(*, image: ProductImage) -> ProductImage:
    """Shrink an uploaded picture to phone size and (re)make its thumbnail."""
    smaller = downscaled(image.image)
    if smaller is not None:
        image.image.save(smaller.name, smaller, save=False)
    thumbnail = square_thumbnail(image.image)
    image.thumbnail.save(thumbnail.name, thumbnail, save=False)
    image.save(update_fields=["image", "thumbnail"])
    return image


def sku_adjust_stock(*, sku_id: int, delta: int) -> None:
    """Add (or remove) stock relative to what is there now, so an operator's correction
    never overwrites units that shoppers took meanwhile. Never below zero."""
    if delta:
        SKU.objects.filter(pk=sku_id).update(stock=Greatest(F("stock") + delta, Value(0)))


def spec_combinations(specs: list[dict]) -> list[dict]:
    names = [spec["name"] for spec in specs]
    return [dict(zip(names, values)) for values in itertools.product(*(spec["values"] for spec in specs))]


@transaction.atomic
def product_generate_skus(*, product: Product) -> int:
    """Create an SKU for every spec combination that has none yet (priced like the
    cheapest existing SKU, no stock), so the operator only fills in numbers."""
    existing = {sku.spec_key: sku for sku in product.skus.all()}
    cheapest = min((sku.price_fen for sku in existing.values()), default=0)
    missing = [spec for spec in spec_combinations(product.specs) if spec_key_of(spec) not in existing]
    SKU.objects.bulk_create(
        [SKU(product=product, spec=spec, spec_key=spec_key_of(spec), price_fen=cheapest, stock=0) for spec in missing],
        ignore_conflicts=True,
    )
    return len(missing)
