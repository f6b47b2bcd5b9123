from django.core.validators import RegexValidator

# Mainland mobile numbers: 11 digits starting 13–19.
mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", "请输入 11 位手机号")
