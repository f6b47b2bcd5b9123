"""GET /api/v1/campaigns: what a member may join now, each pointing at its own endpoints and page."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import selectors


class CampaignSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="checkin / wheel / red_packet / coupon / share_packet / follow_gift / referral_gift")
    id = serializers.IntegerField(help_text="该玩法自己接口里的 id（如大转盘的 /wheels/{id}）")
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    rules = serializers.ListField(child=serializers.CharField(), help_text="最多 3 步")
    path = serializers.CharField(help_text="H5 页面")


class CampaignListApi(APIView):
    @extend_schema(responses=CampaignSerializer(many=True))
    def get(self, request):
        return Response(CampaignSerializer(selectors.campaigns_to_join(member=request.user), many=True).data)
