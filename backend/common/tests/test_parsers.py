"""Bad JSON is the client's mistake: a 400 with a JSON body, never a 500."""

from pathlib import Path

import pytest
import yaml

from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BACKEND_DIR = Path(__file__).resolve().parents[2]


def _body_endpoints() -> list[tuple[str, str]]:
    """Every (method, path) of the committed schema that takes a body: new endpoints are covered too."""
    schema = yaml.safe_load((BACKEND_DIR / "openapi.yaml").read_text())
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"post", "put", "patch"}
    ]


def test_the_schema_lists_the_endpoints_that_take_a_body():
    assert ("post", "/api/login/") in _body_endpoints()
    assert ("patch", "/api/profile/") in _body_endpoints()


@pytest.mark.parametrize("method,path", _body_endpoints())
@pytest.mark.parametrize(
    "body",
    [
        "[" * 1000 + "]" * 1000,  # 2 kB
        '{"a":' * 1000 + "1" + "}" * 1000,  # 6 kB
        "[" * 30000 + "]" * 30000,  # 60 kB, under the 64 kB body limit
    ],
    ids=["arrays-1000", "objects-1000", "arrays-30000"],
)
def test_deeply_nested_json_is_a_json_400_not_a_500(api_client, method, path, body):
    api_client.force_authenticate(UserFactory())

    response = getattr(api_client, method)(path, data=body, content_type="application/json")

    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "JSON parse error - the body is nested too deeply.", "code": "parse_error"}


def test_ordinary_malformed_json_keeps_drf_s_message(api_client):
    response = api_client.post("/api/login/", data='{"phone": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - ")
