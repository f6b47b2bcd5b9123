import itertools
import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from mall.models import SKU, Product, ProductImage, spec_key_of
from mall.selectors import CATALOG_VERSION_KEY, product_generation_key
from mall.services.images import downscaled, square_thumbnail


def catalog_changed(*, product_ids: Iterable[int] = ()) -> None:
    """The catalogue changed: forget every cached list and category (a new generation,
    mall.selectors.catalog_version), now and again when the transaction commits, so a page
    read meanwhile from the rows before the change does not stay cached. `product_ids`:
    products whose page changed without a save of the product itself (a picture); their
    updated_at moves in this transaction, and with it what product_shown keeps."""
    ids = sorted(set(product_ids))
    if ids:
        Product.objects.filter(pk__in=ids).update(updated_at=timezone.now())

    def forget():
        cache.set(CATALOG_VERSION_KEY, uuid.uuid4().hex, None)

    forget()
    transaction.on_commit(forget)


def products_changed(product_ids: Iterable[int]) -> None:
    """What these products' pages show moved (stock, sales, a price, a text, a picture):
    their generations are renewed when the transaction commits, so the next read of each
    page reads the rows as committed (mall.selectors.product_shown)."""
    keys = [product_generation_key(product_id) for product_id in sorted(set(product_ids))]
    if keys:
        transaction.on_commit(lambda: cache.delete_many(keys))


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
        products_changed(SKU.objects.filter(pk=sku_id).values_list("product_id", flat=True))


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
    if missing:
        catalog_changed()  # bulk_create sends no post_save
    return len(missing)
