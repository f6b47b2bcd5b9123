"""Domain errors of the CRM: each a stable `code`, a message for a person and an HTTP status."""

from config.errors import InvalidInput


class SegmentRuleError(InvalidInput):
    """A segment's rules cannot be compiled: an unknown field or operator, a value of the
    wrong type, an empty group, too deep or too many rules. The message names the rule."""

    code = "invalid_segment_rules"
    message = "分群规则有误"



class LinkTargetInvalid(InvalidInput):
    code = "invalid_target"
    message = "跳转地址须是本店内的路径，以 / 开头，如 /products/12/"
