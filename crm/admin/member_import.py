class MemberImportMixin:
    """Importing and exporting members' profiles and attributes (CSV/Excel)."""
