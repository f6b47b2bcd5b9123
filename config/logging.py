"""Logs name records by internal ids (member pk, order number, out_trade_no), never by who
someone is. Call sites are written that way; this filter is the safety net for what slips
through (an exception message, a library's log line, SQL in DEBUG): it masks mainland
mobile numbers and WeChat openids before any handler writes the record.
"""

import logging
import re

from celery import signals

# 11 digits, 13x–19x, optionally +86 and spaced or hyphenated 3-4-4. Letters or digits on
# either side mean it is part of something else (an order number is 24 digits).
_MOBILE = re.compile(r"(?<![0-9A-Za-z])((?:\+?86[ -]?)?1[3-9][0-9])[ -]?[0-9]{4}[ -]?([0-9]{4})(?![0-9A-Za-z])")

# WeChat openids (and unionids) are an "o" and 27 characters of URL-safe base64, in
# practice always with a capital letter; asking for one keeps identifiers such as
# "order_line_pay_consistent" in tracebacks readable. The emulator's and the tests'
# openids are o_emu_… and o_test_….
_OPENID = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?:o(?=[A-Za-z0-9_-]{0,39}[A-Z])[A-Za-z0-9_-]{20,40}|o_(?:emu|test)_[A-Za-z0-9_-]+)"
    r"(?![A-Za-z0-9_-])"
)


def _openid_masked(match: re.Match) -> str:
    openid = match.group()
    return f"{openid[:4]}****{openid[-2:]}" if len(openid) > 8 else "o****"


def mask_personal_data(text: str) -> str:
    """13800138000 → 138****8000; oLVPpjqs9BhvzwPj5A-vTYAX3GLc → oLVP****Lc."""
    text = _MOBILE.sub(r"\1****\2", text)
    return _OPENID.sub(_openid_masked, text)


class PersonalDataFilter(logging.Filter):
    """Masks the record itself, so every handler after this one sees the masked text too."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a bad format string is the handler's to report, masked
            message = f"{record.msg} {record.args!r}"
        masked = mask_personal_data(message)
        if masked != message:
            # Only rewritten when something was masked, so most records keep their
            # template (what error trackers group by).
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


@signals.after_setup_logger.connect(dispatch_uid="config.logging.mask_celery_handlers")
@signals.after_setup_task_logger.connect(dispatch_uid="config.logging.mask_celery_task_handlers")
def _mask_celery_handlers(logger: logging.Logger, **kwargs) -> None:
    # A Celery worker replaces the root logger's handlers with its own (the LOGGING
    # setting's go), so the filter is added to those.
    for handler in logger.handlers:
        if not any(isinstance(existing, PersonalDataFilter) for existing in handler.filters):
            handler.addFilter(PersonalDataFilter())
