"""Validators for what shoppers type into the API."""

from django.core.validators import RegexValidator

# Mainland mobile numbers: 11 ASCII digits starting 13–19 (`\d` would also take "１３８…").
mobile_validator = RegexValidator(r"^1[3-9][0-9]{9}\Z", "请输入 11 位手机号")

# Control characters (Unicode category Cc: C0, DEL and C1) and the bidirectional
# embedding, override and isolate controls. None of them can be typed into a form on
# purpose; they end up on packing slips, in the admin, in CSV exports and in WeChat
# template messages, where they break layouts, hide text or reorder it ("Trojan Source").
# Written as regex escapes, not characters, so the schema's `pattern` stays readable.
_BIDI_CONTROLS = r"\u202a-\u202e\u2066-\u2069"
_SINGLE_LINE_CONTROLS = rf"\x00-\x1f\x7f-\x9f{_BIDI_CONTROLS}"
# Multi-line fields (an order note, a refund reason) come from a <textarea>: line breaks
# and tabs are what people type there, so they alone are allowed.
_MULTI_LINE_CONTROLS = rf"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_CONTROLS}"

SINGLE_LINE_MESSAGE = "不能包含换行、制表符等控制字符"
MULTI_LINE_MESSAGE = "不能包含控制字符"

# RegexValidators that say what is allowed, so drf-spectacular puts the rule in the
# OpenAPI schema as a `pattern` (and the fuzz tests generate text that keeps it). One
# character or more: DRF settles "" (allow_blank) before validators run, and a pattern
# that matched "" would make the schema's `oneOf: [pattern, maxLength 0]` ambiguous.
no_control_characters = RegexValidator(
    rf"^[^{_SINGLE_LINE_CONTROLS}]+\Z", SINGLE_LINE_MESSAGE, code="control_characters"
)
no_control_characters_multiline = RegexValidator(
    rf"^[^{_MULTI_LINE_CONTROLS}]+\Z", MULTI_LINE_MESSAGE, code="control_characters"
)


def control_character_problem(value: str, *, multiline: bool = False) -> str:
    """The message for a person when `value` holds a control character, else ""."""
    validator = no_control_characters_multiline if multiline else no_control_characters
    return "" if not value or validator.regex.search(value) else validator.message


# A link inside the shop: one leading slash, so never another site ("//evil", "https:")
# nor a script ("javascript:"); no backslash or space, which browsers read leniently.
site_path_validator = RegexValidator(r"^/(?![/\\])[^\s\\]*\Z", "请填写站内路径，以 / 开头，如 /products/12/")
