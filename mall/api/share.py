from urllib.parse import urlsplit

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import InvalidInput, WeChatUnavailable
from config.schema import error_response
from wechat.jssdk import JsSdkError, jssdk_config


class ShareQuerySerializer(serializers.Serializer):
    url = serializers.URLField(max_length=1000)


class ShareConfigSerializer(serializers.Serializer):
    """The arguments of wx.config(), spelled as it wants them."""

    appId = serializers.CharField()
    timestamp = serializers.IntegerField()
    nonceStr = serializers.CharField()
    signature = serializers.CharField()
    jsApiList = serializers.ListField(child=serializers.CharField())


class ShareConfigApi(APIView):
    """wx.config() for the page at ?url=, so "share to chat / Moments" carries the
    page's title, picture and link. Only pages of this site are signed."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[ShareQuerySerializer],
        responses={200: ShareConfigSerializer, 503: error_response("wechat_unavailable：微信服务暂时不可用")},
    )
    def get(self, request):
        query = ShareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        url = query.validated_data["url"]
        if urlsplit(url).hostname not in {urlsplit(settings.SITE_URL).hostname, request.get_host().split(":")[0]}:
            raise InvalidInput("只能为本站页面签名", fields={"url": ["不是本站地址"]})
        try:
            return Response(jssdk_config(url))
        except JsSdkError as exc:
            raise WeChatUnavailable() from exc
