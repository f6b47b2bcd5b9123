"""Product recommendations from purchase history, worked out nightly in two set-based
statements over crm.PurchasedProduct (one row per member and product bought):

- 经常一起买: for each product, the other products its buyers bought too, scored by how
  many members bought both;
- 同类热销: for each product, the best sellers of its category, scored by buyers.

Only products on sale on either side, at most TOP_PER_PRODUCT of each kind per product.
The table is replaced in one transaction, so readers see the old set or the new one."""

from django.db import connection, transaction
from django.utils import timezone

from crm.models import PurchasedProduct, Recommendation
from mall.models import Product

TOP_PER_PRODUCT = 10


def recommendations_recompute() -> int:
    """Replace every recommendation; how many there are now."""
    table, bought, products = Recommendation._meta.db_table, PurchasedProduct._meta.db_table, Product._meta.db_table
    together, same_category = Recommendation.Kind.BOUGHT_TOGETHER, Recommendation.Kind.SAME_CATEGORY
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    insert = f"INSERT INTO {table} (product_id, recommended_id, kind, score, computed_at) "
    # Ties broken by product id, so two runs over the same history give the same rows.
    ranked = "ROW_NUMBER() OVER (PARTITION BY {by} ORDER BY {score} DESC, {other})"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two runs at once would each delete only what they saw and then insert the
            # same rows twice; readers (ACCESS SHARE) are not held up by this lock.
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            insert + f"""SELECT product_id, recommended_id, %s, score, %s FROM (
                SELECT a.product_id, b.product_id AS recommended_id, COUNT(*) AS score,
                       {ranked.format(by="a.product_id", score="COUNT(*)", other="b.product_id")} AS place
                FROM {bought} a
                JOIN {bought} b ON b.member_id = a.member_id AND b.product_id <> a.product_id
                JOIN {products} p ON p.id = a.product_id AND p.is_on_sale
                JOIN {products} r ON r.id = b.product_id AND r.is_on_sale
                GROUP BY a.product_id, b.product_id
            ) pairs WHERE place <= %s""",
            [together, now, TOP_PER_PRODUCT],
        )
        cursor.execute(
            insert + f"""SELECT product_id, recommended_id, %s, score, %s FROM (
                SELECT p.id AS product_id, r.id AS recommended_id, sellers.buyers AS score,
                       {ranked.format(by="p.id", score="sellers.buyers", other="r.id")} AS place
                FROM {products} p
                JOIN {products} r ON r.category_id = p.category_id AND r.id <> p.id AND r.is_on_sale
                JOIN (SELECT product_id, COUNT(*) AS buyers FROM {bought} GROUP BY product_id) sellers ON sellers.product_id = r.id
                WHERE p.is_on_sale
            ) best WHERE place <= %s""",
            [same_category, now, TOP_PER_PRODUCT],
        )
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]
