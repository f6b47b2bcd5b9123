"""Status tables: for a model with a life cycle (orders, refunds, withdrawals,
commissions), which status may move to which, declared once beside the model and obeyed
by every service (through outbox.services.status_move, a guarded UPDATE)."""

from collections.abc import Iterable


class StatusFlow:
    def __init__(self, moves: dict[str, Iterable[str]]):
        self.moves = {source: frozenset(targets) for source, targets in moves.items()}

    def sources(self, to: str) -> frozenset[str]:
        """Every status from which `to` may be reached."""
        return frozenset(source for source, targets in self.moves.items() if to in targets)

    def allows(self, source: str, to: str) -> bool:
        return to in self.moves.get(source, ())

    def statuses(self) -> frozenset[str]:
        return frozenset(self.moves) | frozenset().union(*self.moves.values())
