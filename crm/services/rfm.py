"""RFM: recency, frequency and money scores (1–5) over the members who bought, and their
named group, worked out for everyone in two set-based statements (a million members is one
pass of window functions, not a loop).

A score is the fifth of the buyers a member falls in, taken at the middle of their tie
block (mid-rank): equal values always get equal scores, five distinct values get 1 to 5,
and a lone buyer, or buyers who all look alike, sit in the middle (3) rather than at the
top or the bottom. Recency counts shop days, so two purchases on the same day tie."""

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from crm.models import PurchaseStats, RfmGroup

HIGH = 3  # a score of 3 or more is "high" for the groups

# (R high, F high, M high) → group: the classic eight RFM groups, with 一般发展 called 新客
# (bought once, lately) and 一般挽留 called 沉睡 (low on everything).
GROUPS = {
    (True, True, True): RfmGroup.CHAMPION,
    (True, False, True): RfmGroup.PROMISING,
    (False, True, True): RfmGroup.KEEP,
    (False, False, True): RfmGroup.WIN_BACK,
    (True, True, False): RfmGroup.LOYAL,
    (True, False, False): RfmGroup.NEWCOMER,
    (False, True, False): RfmGroup.FADING,
    (False, False, False): RfmGroup.DORMANT,
}


def _score(rank: str, peers: str) -> str:
    # ceil(5 × midpoint of the tie block / n) in integers: the block covers ranks
    # [rank, rank + peers − 1], its middle fraction is (2·(rank − 1) + peers) / 2n.
    return f"(5 * (2 * ({rank} - 1) + {peers}) + 2 * n - 1) / (2 * n)"


def _shop_day(column: str) -> tuple[str, str]:
    """SQL for the shop's calendar day of a timestamp column, and its parameter."""
    if connection.vendor == "postgresql":
        return f"({column} AT TIME ZONE %s)::date", settings.TIME_ZONE
    # SQLite keeps UTC text; the shop's zone (Asia/Shanghai) keeps one offset all year.
    offset = int(timezone.localtime().utcoffset().total_seconds()) // 60
    return f"date({column}, %s)", f"{offset:+d} minutes"


def rfm_recompute() -> int:
    """Score every member with a counted purchase, and clear the scores of members who no
    longer have one (refunded in full). Safe to run twice or at once: each run writes what
    the stats say at its start. How many members were scored."""
    table = PurchaseStats._meta.db_table
    group_case = " ".join(
        f"WHEN (r >= {HIGH}) = %s AND (f >= {HIGH}) = %s AND (m >= {HIGH}) = %s THEN %s" for _ in GROUPS
    )
    group_params = [value for (r, f, m), group in GROUPS.items() for value in (r, f, m, group.value)]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    last_day, last_day_param = _shop_day("last_paid_at")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            # Nested subqueries rather than WITH: Python's sqlite3 reports no row count for a
            # statement that does not start with UPDATE.
            f"""
            UPDATE {table} AS stats
            SET r_score = scored.r, f_score = scored.f, m_score = scored.m, rfm_at = %s,
                rfm_group = CASE {group_case} END
            FROM (
                SELECT member_id, {_score("r_rank", "r_peers")} AS r, {_score("f_rank", "f_peers")} AS f,
                       {_score("m_rank", "m_peers")} AS m
                FROM (
                    SELECT member_id,
                           rank() OVER (ORDER BY last_day) AS r_rank, count(*) OVER (PARTITION BY last_day) AS r_peers,
                           rank() OVER (ORDER BY order_count) AS f_rank, count(*) OVER (PARTITION BY order_count) AS f_peers,
                           rank() OVER (ORDER BY paid_fen) AS m_rank, count(*) OVER (PARTITION BY paid_fen) AS m_peers,
                           count(*) OVER () AS n
                    FROM (SELECT member_id, order_count, paid_fen, {last_day} AS last_day
                          FROM {table} WHERE order_count > 0) bought
                ) ranked
            ) scored
            WHERE stats.member_id = scored.member_id
            """,
            [now, *group_params, last_day_param],
        )
        scored = cursor.rowcount
        cursor.execute(
            f"UPDATE {table} SET r_score = 0, f_score = 0, m_score = 0, rfm_group = '', rfm_at = %s "
            f"WHERE order_count = 0 AND (r_score <> 0 OR f_score <> 0 OR m_score <> 0 OR rfm_group <> '')",
            [now],
        )
    return scored
