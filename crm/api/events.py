"""POST /api/v1/events: what a store page reports. Anyone may report (a visitor before
login too); a small closed set of names, a path inside the shop, a small flat `props`."""

import json
import math

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.validators import control_character_problem, site_path_validator
from crm.services.events import EVENT_NAMES, event_record

MAX_PROPS = 10
MAX_PROP_KEY = 32
MAX_PROP_TEXT = 200
MAX_PROPS_BYTES = 1000


def _unstorable(text: str) -> bool:
    """NUL (jsonb refuses \\u0000) or a lone surrogate (no UTF-8 for it): a 500 at the INSERT otherwise."""
    return "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text)


class PropsField(serializers.DictField):
    """A flat object: at most 10 keys of text, each a number, a short text, true/false or null."""

    def to_internal_value(self, data):
        props = super().to_internal_value(data)
        if len(props) > MAX_PROPS:
            raise serializers.ValidationError(f"最多 {MAX_PROPS} 个属性")
        for key, value in props.items():
            if not key or len(key) > MAX_PROP_KEY or control_character_problem(key) or _unstorable(key):
                raise serializers.ValidationError(f"属性名须为 1–{MAX_PROP_KEY} 个字符，不含控制字符")
            if not (value is None or isinstance(value, bool | int | str) or isinstance(value, float) and math.isfinite(value)):
                # json reads 1e400 as infinity, which PostgreSQL's jsonb refuses.
                raise serializers.ValidationError(f"属性「{key}」须为数字、文字、是否或空，不能嵌套")
            if isinstance(value, str) and len(value) > MAX_PROP_TEXT:
                raise serializers.ValidationError(f"属性「{key}」最长 {MAX_PROP_TEXT} 个字符")
            if isinstance(value, str) and _unstorable(value):
                raise serializers.ValidationError(f"属性「{key}」不能包含控制字符或无法识别的字符")
        if len(json.dumps(props, ensure_ascii=False).encode()) > MAX_PROPS_BYTES:
            raise serializers.ValidationError(f"属性合计不能超过 {MAX_PROPS_BYTES} 字节")
        return props


class EventSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=list(EVENT_NAMES.items()))
    path = serializers.CharField(max_length=300, validators=[site_path_validator])
    props = PropsField(required=False, default=dict, help_text="扁平对象：最多 10 个键，值为数字、文字（≤ 200 字）、布尔或 null")


class EventApi(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "events"
    conflict_free_methods = ("POST",)

    @extend_schema(request=EventSerializer, responses={202: OpenApiResponse(description="已记录")})
    def post(self, request):
        body = EventSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = request.user if request.user.is_authenticated else None
        event_record(member=member, **body.validated_data)
        return Response(status=status.HTTP_202_ACCEPTED)
