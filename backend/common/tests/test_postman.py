"""The Postman collection's example error answers are the API's: each carries its code, with that code's message."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from common.exceptions import ErrorCode

COLLECTION = Path(__file__).resolve().parents[3] / "postman_collection.json"


def _example_errors(items, path=()):
    for item in items:
        if "item" in item:
            yield from _example_errors(item["item"], (*path, item["name"]))
            continue
        for response in item.get("response", []):
            body = json.loads(response["body"]) if response.get("body", "").lstrip().startswith("{") else None
            if response["code"] >= 400 and body and "status" not in body:
                yield " / ".join((*path, item["name"], response["name"])), body


EXAMPLES = list(_example_errors(json.loads(COLLECTION.read_text())["item"]))


def _message(code: str) -> str:
    return str(ErrorCode(code).label).format(long=settings.OTP_HARDENED_CODE_LENGTH)


def test_the_collection_has_example_errors_of_every_kind():
    kinds = {"detail" in body for _, body in EXAMPLES}
    assert len(EXAMPLES) > 30 and kinds == {True, False}


@pytest.mark.parametrize(("name", "body"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_example_error_carries_its_code_and_that_codes_message(name, body):
    assert body["code"] in ErrorCode.values
    if "detail" in body:
        if body["code"] != ErrorCode.NOT_FOUND and body["code"] != ErrorCode.TOKEN_NOT_VALID:
            # (a cursor's 404 and a token's 401 say more precisely what was wrong than the code's own message)
            assert body["detail"] == _message(body["code"])
        return
    fields = {key: value for key, value in body.items() if key not in ("code", "codes")}
    assert set(body["codes"]) == set(fields)
    for field, messages in fields.items():
        assert messages == [_message(code) for code in body["codes"][field]]
    assert body["code"] == next(iter(body["codes"].values()))[0]
