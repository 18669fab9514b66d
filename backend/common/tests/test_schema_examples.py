"""Every example in the committed OpenAPI schema is valid against the schema it illustrates.

schemathesis sends the request examples but never checks the response ones, and drf-spectacular writes
whatever it is given: a referral page once came out with a list of lists under "results".
"""

from pathlib import Path

import jsonschema
import pytest
import yaml

SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())


def _json_schema(node):
    """OpenAPI 3.0 to JSON Schema: $refs inlined (the schema has no cycles), `nullable` as a null type."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = SCHEMA
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _json_schema(target)
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def _examples():
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(f"response {status}", response) for status, response in operation.get("responses", {}).items()]
            for where, body in bodies:
                for media in body.get("content", {}).values():
                    for name, example in media.get("examples", {}).items():
                        yield pytest.param(media["schema"], example["value"], id=f"{method} {path} {where} {name}")


EXAMPLES = list(_examples())


def test_the_schema_has_examples_for_requests_and_responses():
    ids = [param.id for param in EXAMPLES]
    assert any(" request " in i for i in ids) and any(" response 200 " in i for i in ids) and len(ids) > 20


@pytest.mark.parametrize(("schema", "value"), EXAMPLES)
def test_example_is_valid_against_its_schema(schema, value):
    jsonschema.Draft7Validator(_json_schema(schema)).validate(value)
