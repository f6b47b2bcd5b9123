"""Bare views: what a campaign endpoint cannot do without — one statement each, behind the
same middleware (session, member, CSRF) — the yardstick the benchmark holds the real
endpoints against."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from campaigns.models import Checkin, PacketShare, WheelPrize


def _refuse_anonymous(request):
    return None if request.user.is_authenticated else HttpResponse(status=401)


@require_POST
def checkin(request):
    """The check-in's unique insert, and nothing else."""
    refused = _refuse_anonymous(request)
    if refused:
        return refused
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Checkin._meta.db_table} (campaign_id, member_id, day, streak, is_makeup, created_at) "
            "VALUES (%s, %s, %s, 1, false, now()) ON CONFLICT (member_id, day) DO NOTHING",
            [request.GET.get("campaign"), request.user.pk, timezone.localdate()],
        )
        inserted = cursor.rowcount
    return JsonResponse({"inserted": inserted}, status=201 if inserted else 409)


@require_POST
def spin(request, prize_id: int):
    """The wheel's guarded stock update, and nothing else."""
    refused = _refuse_anonymous(request)
    if refused:
        return refused
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {WheelPrize._meta.db_table} SET given = given + 1 WHERE id = %s AND (stock IS NULL OR given < stock)", [prize_id])
        taken = cursor.rowcount
    return JsonResponse({"won": bool(taken)})


@require_POST
def grab(request, packet_id: int):
    """The packet's share claim (SKIP LOCKED), and nothing else."""
    refused = _refuse_anonymous(request)
    if refused:
        return refused
    table = PacketShare._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} SET member_id = %s, grabbed_at = now() WHERE id = (
                    SELECT id FROM {table} WHERE packet_id = %s AND member_id IS NULL ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING amount_fen""",
            [request.user.pk, packet_id],
        )
        row = cursor.fetchone()
    return JsonResponse({"amount_fen": row[0]} if row else {"code": "packet_empty"}, status=200 if row else 409)
