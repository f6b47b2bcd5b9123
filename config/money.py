"""Numbers people read: money in yuan and rates in percent, from the integers the shop
keeps (fen, basis points). Integer arithmetic only: a float would show ¥99.50 as 99.49."""


def format_yuan(fen) -> str:
    """12345 -> "123.45", 1 -> "0.01", -50 -> "-0.50"."""
    if fen is None or fen == "":
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def format_percent(basis_points) -> str:
    """1000 -> "10", 1250 -> "12.5", 5 -> "0.05": a rate kept in basis points, as a percentage."""
    basis_points = int(basis_points)
    sign = "-" if basis_points < 0 else ""
    whole, hundredths = divmod(abs(basis_points), 100)
    return f"{sign}{whole}" + (f".{hundredths:02d}".rstrip("0") if hundredths else "")
