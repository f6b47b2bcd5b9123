from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.validators import mobile_validator, no_control_characters
from mall.models import Address
from mall.services.addresses import address_create, address_delete, address_update


class AddressSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(validators=[mobile_validator])

    class Meta:
        model = Address
        fields = ["id", "name", "phone", "province", "city", "district", "detail", "is_default"]
        read_only_fields = ["id"]
        extra_kwargs = {
            name: {"validators": [no_control_characters]} for name in ("name", "province", "city", "district", "detail")
        }


class AddressListApi(generics.ListAPIView):
    serializer_class = AddressSerializer

    def get_queryset(self):
        return Address.objects.filter(member=self.request.user)

    @extend_schema(request=AddressSerializer, responses={201: AddressSerializer})
    def post(self, request):
        body = AddressSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        address = address_create(member=request.user, **body.validated_data)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressApi(APIView):
    conflict_free_methods = ("PATCH", "DELETE")

    @extend_schema(responses=AddressSerializer)
    def get(self, request, address_id: int):
        address = generics.get_object_or_404(Address, member=request.user, pk=address_id)
        return Response(AddressSerializer(address).data)

    @extend_schema(request=AddressSerializer, responses=AddressSerializer)
    def patch(self, request, address_id: int):
        generics.get_object_or_404(Address, member=request.user, pk=address_id)
        body = AddressSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        address = address_update(member=request.user, address_id=address_id, **body.validated_data)
        return Response(AddressSerializer(address).data)

    @extend_schema(responses={204: None})
    def delete(self, request, address_id: int):
        address_delete(member=request.user, address_id=address_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
