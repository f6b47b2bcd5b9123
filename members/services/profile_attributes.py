"""Checking the values members give for operator-defined profile attributes."""

import datetime
from decimal import Decimal

from config.errors import InvalidInput
from config.validators import control_character_problem
from members.models import AttributeKind, ProfileAttribute

MAX_TEXT = 100


def clean_attribute_values(values: dict, attributes: dict[str, ProfileAttribute]) -> dict:
    """Each value checked against its attribute's type; None clears a value.
    Raises InvalidInput naming every key that is wrong."""
    cleaned, errors, details = {}, {}, []
    for key, value in values.items():
        attribute = attributes.get(key)
        if attribute is None:
            errors[key] = ["没有这个资料项"]
            details.append("没有这个资料项")
            continue
        if value is None:
            cleaned[key] = None
            continue
        problem = _problem(attribute, value)
        if problem:
            errors[key] = [problem]
            details.append(f"{attribute.label}：{problem}")
        else:
            cleaned[key] = value.strip() if isinstance(value, str) else value
    if errors:
        raise InvalidInput(details[0], fields={"attributes": errors})
    return cleaned


def _problem(attribute: ProfileAttribute, value) -> str:
    kind = attribute.kind
    if kind == AttributeKind.TEXT:
        if not isinstance(value, str) or _has_surrogates(value):
            return "请填写文字"
        if len(value.strip()) > MAX_TEXT:
            return f"最多 {MAX_TEXT} 个字"
        return control_character_problem(value.strip())
    if kind == AttributeKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) > 1e12:
            return "请填写数字"
        if attribute.min_value is not None and Decimal(str(value)) < attribute.min_value:
            return f"不能小于 {attribute.min_value.normalize():f}{attribute.unit}"
        if attribute.max_value is not None and Decimal(str(value)) > attribute.max_value:
            return f"不能大于 {attribute.max_value.normalize():f}{attribute.unit}"
        return ""
    if kind == AttributeKind.CHOICE:
        return "" if isinstance(value, str) and value in attribute.choices else "请从选项中选择：" + "、".join(attribute.choices)
    if kind == AttributeKind.DATE:
        if isinstance(value, str) and len(value) == 10:
            try:
                datetime.date.fromisoformat(value)
                return ""
            except ValueError:
                pass
        return "日期格式为 YYYY-MM-DD"
    if kind == AttributeKind.BOOLEAN:
        return "" if isinstance(value, bool) else "请填写 true 或 false"
    return "无法识别的资料项类型"


def _has_surrogates(text: str) -> bool:
    """JSON may carry a lone surrogate ("\\ud800"), which no database will store as text."""
    return any("\ud800" <= char <= "\udfff" for char in text)
