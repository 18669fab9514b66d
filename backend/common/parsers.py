"""The API's JSON parser: DRF's, with deeply nested bodies refused as bad input."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """json.loads recurses once per nesting level, so a 10 kB body of 1,000 nested arrays raises
    RecursionError, which DRF lets through as a 500. No body of this API nests more than two levels:
    such a body is a client's mistake (or an attack), so it answers 400 like any other malformed JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
