from django.contrib.auth import logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.validators import mobile_validator, no_control_characters
from distribution.selectors import member_is_distributor
from members.models import Gender, Member
from members.selectors import active_attributes
from members.services.profiles import member_update_profile


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    openid = serializers.CharField(allow_null=True)
    nickname = serializers.CharField()
    avatar_url = serializers.CharField()
    referral_code = serializers.CharField()
    is_distributor = serializers.SerializerMethodField()
    points = serializers.IntegerField()
    balance_fen = serializers.IntegerField()
    gender = serializers.IntegerField()
    province = serializers.CharField()
    city = serializers.CharField()
    phone = serializers.CharField()
    attributes = serializers.SerializerMethodField()

    def get_attributes(self, member) -> dict:
        """Values of the attributes the shop asks about now (retired ones stay hidden)."""
        return {key: member.attributes[key] for key in active_attributes() if key in member.attributes}

    def get_is_distributor(self, member) -> bool:
        return member_is_distributor(member=member)


class ProfileUpdateSerializer(serializers.ModelSerializer):
    """The member's own profile fields, and the operator-defined attributes, given either
    under "attributes" or at the top level by their key ({"skin_type": "油性"})."""

    gender = serializers.ChoiceField(choices=Gender.choices)
    phone = serializers.CharField(validators=[mobile_validator], allow_blank=True)
    attributes = serializers.DictField(required=False)

    class Meta:
        model = Member
        fields = ["nickname", "gender", "province", "city", "phone", "attributes"]
        extra_kwargs = {name: {"validators": [no_control_characters]} for name in ("nickname", "province", "city")}

    def to_internal_value(self, data):
        validated = super().to_internal_value(data)  # also refuses a body that is not an object
        top_level = {key: data[key] for key in active_attributes() if key in data}
        attributes = {**top_level, **validated.get("attributes", {})}
        if attributes:
            validated["attributes"] = attributes
        return validated


@method_decorator(ensure_csrf_cookie, name="dispatch")
class MeApi(APIView):
    conflict_free_methods = ("PATCH",)

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=ProfileUpdateSerializer, responses=MeSerializer)
    def patch(self, request):
        body = ProfileUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        member = member_update_profile(member=request.user, **body.validated_data)
        return Response(MeSerializer(member).data)


class LogoutApi(APIView):
    permission_classes = [AllowAny]
    conflict_free_methods = ("POST",)

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)
