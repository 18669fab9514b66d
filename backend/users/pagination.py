from base64 import b64decode
from binascii import Error as Base64Error
from urllib import parse

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

_CURSOR_FIELDS = {"o", "r", "p"}  # offset, reverse, position: what DRF's encode_cursor writes


class NewestFirstCursorPagination(CursorPagination):
    """Keyset pagination: every page is an index range scan, so the last page costs what the first does."""

    page_size = 50
    ordering = ("-activated_at", "-id")

    def decode_cursor(self, request):
        """DRF's decoder, refusing (404 "Invalid cursor") what this API never writes: DRF fills missing
        fields with defaults, so a well-encoded junk cursor answered the first page, and a position that
        isn't an activation time reached the query and answered 500."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded:
            try:
                tokens = parse.parse_qs(b64decode(encoded.encode("ascii")).decode("ascii"), keep_blank_values=True)
                position = tokens.get("p", [None])[0]
                well_formed = (
                    set(tokens) <= _CURSOR_FIELDS
                    and all(len(values) == 1 for values in tokens.values())
                    and tokens.get("r", ["0"])[0] in ("0", "1")
                    and (position is None or parse_datetime(position) is not None)
                )
            except (ValueError, UnicodeError, Base64Error):
                well_formed = False
            if not well_formed:
                raise NotFound(self.invalid_cursor_message)
        return super().decode_cursor(request)
