import pytest

from members.models import ProfileAttribute


@pytest.fixture
def attributes(db):
    """One operator-defined attribute of each kind, and a retired one nobody is asked."""
    ProfileAttribute.objects.create(key="skin_type", label="肤质", kind="choice", choices=["干性", "油性"], position=1)
    ProfileAttribute.objects.create(key="height_cm", label="身高", kind="number", unit="cm", min_value=100, max_value=230, position=2)
    ProfileAttribute.objects.create(key="birthday", label="生日", kind="date", position=3)
    ProfileAttribute.objects.create(key="vip", label="会员卡", kind="boolean", position=4)
    ProfileAttribute.objects.create(key="retired", label="旧项", kind="text", is_active=False)
