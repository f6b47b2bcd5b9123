"""Bare views: what a campaign endpoint cannot do without — one statement each, behind the
same middleware (session, member, CSRF) — the yardstick bench/campaigns.py holds the real
endpoints against. The statements are shared with bench/limits.py, whose views run them
without the shop's middleware."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from campaigns.models import Checkin, PacketShare, WheelPrize


def checkin_insert(campaign_id: int | None, member_id: int) -> int:
    """The check-in's unique insert: 1 when it inserted, 0 when the member had checked in today."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Checkin._meta.db_table} (campaign_id, member_id, day, streak, is_makeup, created_at) "
            "VALUES (%s, %s, %s, 1, false, now()) ON CONFLICT (member_id, day) DO NOTHING",
            [campaign_id, member_id, timezone.localdate()],
        )
        return cursor.rowcount


def prize_take(prize_id: int) -> bool:
    """The wheel prize's guarded stock update: whether one was left to take."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {WheelPrize._meta.db_table} SET given = given + 1 WHERE id = %s AND (stock IS NULL OR given < stock)", [prize_id])
        return bool(cursor.rowcount)


def share_claim(packet_id: int, member_id: int) -> int | None:
    """The packet's share claim (SKIP LOCKED): the amount claimed, None when none was left."""
    table = PacketShare._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} SET member_id = %s, grabbed_at = now() WHERE id = (
                    SELECT id FROM {table} WHERE packet_id = %s AND member_id IS NULL ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING amount_fen""",
            [member_id, packet_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _refuse_anonymous(request):
    return None if request.user.is_authenticated else HttpResponse(status=401)


@require_POST
def checkin(request):
    """The check-in's unique insert, and nothing else."""
    refused = _refuse_anonymous(request)
    if refused:
        return refused
    inserted = checkin_insert(request.GET.get("campaign"), request.user.pk)
    return JsonResponse({"inserted": inserted}, status=201 if inserted else 409)


@require_POST
def spin(request, prize_id: int):
    """The wheel's guarded stock update, and nothing else."""
    refused = _refuse_anonymous(request)
    if refused:
        return refused
    return JsonResponse({"won": prize_take(prize_id)})


@require_POST
def grab(request, packet_id: int):
    """The packet's share claim (SKIP LOCKED), and nothing else."""
    refused = _refuse_anonymous(request)
    if refused:
        return refused
    amount = share_claim(packet_id, request.user.pk)
    return JsonResponse({"amount_fen": amount} if amount is not None else {"code": "packet_empty"}, status=200 if amount is not None else 409)
