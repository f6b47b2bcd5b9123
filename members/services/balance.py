"""The store balance (余额): money a member keeps in the shop (members/services/ledgers.py)."""

from members.models import BalanceEntry
from members.services.ledgers import BALANCE, ledger_move, ledger_move_once


def balance_move(*, member_id: int, amount_fen: int, kind: str, source_key: str, note: str = "") -> BalanceEntry:
    """Add (or with a negative amount, take) money; InsufficientBalance or AlreadyMoved, and nothing changed."""
    return ledger_move(BALANCE, member_id=member_id, amount=amount_fen, kind=kind, source_key=source_key, note=note)


def balance_move_once(*, member_id: int, amount_fen: int, kind: str, source_key: str, note: str = "") -> bool:
    return ledger_move_once(BALANCE, member_id=member_id, amount=amount_fen, kind=kind, source_key=source_key, note=note)
