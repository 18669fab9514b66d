from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    """Keyset pagination: every page is an index range scan, so the last page costs what the first does."""

    page_size = 50
    ordering = ("-activated_at", "-id")
