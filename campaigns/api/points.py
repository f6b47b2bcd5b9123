"""My points (积分): the balance and its history, newest first.

`history` is one page of the ledger; `count`, `next` and `previous` beside it page through
it as every list of the API does (`?page=2&page_size=20`, at most 100 a page; a page past
the end is 404 not_found)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.rest import PageNumberPagination
from config.schema import error_response
from members.models import PointsEntry


class PointsEntrySerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="正数为获得，负数为消耗")
    reason = serializers.CharField(help_text="checkin、makeup、wheel_cost、wheel_prize、order、order_refund、gift、adjustment")
    reason_display = serializers.CharField(source="get_reason_display")
    note = serializers.CharField()
    balance_after = serializers.IntegerField(help_text="变动后积分")
    created_at = serializers.DateTimeField()


class PointsSerializer(serializers.Serializer):
    balance = serializers.IntegerField(help_text="当前积分")
    count = serializers.IntegerField(help_text="积分流水总条数")
    next = serializers.URLField(allow_null=True, help_text="下一页（history）的地址")
    previous = serializers.URLField(allow_null=True, help_text="上一页的地址")
    history = PointsEntrySerializer(many=True, help_text="积分流水的一页，最新在前")


class PointsApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("page", int, description="history 的页码，从 1 开始"),
            OpenApiParameter("page_size", int, description="每页条数，默认 20，最多 100"),
        ],
        responses={200: PointsSerializer, 404: error_response("not_found：页码超出范围")},
    )
    def get(self, request):
        member = request.user
        member.refresh_from_db(fields=["points"])
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(PointsEntry.objects.filter(member=member).order_by("-id"), request, view=self)
        return Response(PointsSerializer({
            "balance": member.points, "count": paginator.page.paginator.count, "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(), "history": page,
        }).data)
