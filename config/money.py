def format_yuan(fen) -> str:
    """12345 -> "123.45". Money is integer fen everywhere; only people see yuan."""
    if fen is None or fen == "":
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"
