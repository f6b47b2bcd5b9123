"""Points (积分): earned by checking in, spinning, buying; spent on spins and make-up
check-ins (members/services/ledgers.py)."""

from members.models import PointsEntry
from members.services.ledgers import POINTS, ledger_move, ledger_move_once


def points_move(*, member_id: int, amount: int, reason: str, source_key: str, note: str = "") -> PointsEntry:
    """Give (or with a negative amount, take) points; InsufficientPoints or AlreadyMoved, and nothing changed."""
    return ledger_move(POINTS, member_id=member_id, amount=amount, kind=reason, source_key=source_key, note=note)


def points_move_once(*, member_id: int, amount: int, reason: str, source_key: str, note: str = "") -> bool:
    return ledger_move_once(POINTS, member_id=member_id, amount=amount, kind=reason, source_key=source_key, note=note)
