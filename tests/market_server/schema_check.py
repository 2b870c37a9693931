"""A response body against an OpenAPI schema: types, required fields, enums, recursively.

Enough to catch drift between the document and the server (test_openapi.py, test_fuzz.py);
no JSON-Schema library is installed beside Home Assistant.
"""

from __future__ import annotations

from typing import Any

_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def check(doc: dict[str, Any], schema: dict[str, Any], value: Any, where: str = "$") -> None:
    """Types, required fields and enums, recursively (enough to catch contract drift)."""
    schema = resolve(doc, schema)
    for part in schema.get("allOf", []):
        check(doc, part, value, where)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            isinstance(value, _TYPES[t])
            and not (t in ("integer", "number") and value is True)
            and not (t in ("integer", "number") and value is False)
            for t in types
        )
        assert ok, f"{where}: {value!r} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        for name in schema.get("required", []):
            assert name in value, f"{where}: required field {name!r} missing"
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                check(doc, sub, value[name], f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(doc, schema["items"], item, f"{where}[{i}]")
