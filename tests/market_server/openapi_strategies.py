"""Hypothesis strategies for the HTTP calls the OpenAPI document describes, for fuzzing.

`calls(doc, method, path, ...)` draws one call of that operation: path parameters, query and a
body. Most calls follow the document (values within its bounds and patterns, the `oneOf`
choice of RequestBody, the open days it lists) so that they reach the server's domain code;
the rest break it on purpose in one place (a wrong type, a missing or unknown field, text that
cannot be stored, nesting, bytes that are not JSON), which must get a 4xx, never a 5xx.

Covers the subset of JSON Schema the server's document uses; no schemathesis or
hypothesis-jsonschema is needed (neither is installed beside Home Assistant).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from tests.market_server.schema_check import resolve

Schema = dict[str, Any]
_YEAR_4 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Text that every string field must refuse or store faithfully: controls, lone surrogates (as
# JSON escapes, see _json_text), private use, right-to-left, emoji, combining marks.
_NASTY_TEXT = st.sampled_from(
    ["\x00", "\x1b[31m", "\ud800", "\udfff", "\ue000", "\u202e", "😀", "e\u0301", "\n", " "]
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str = "application/json"
    valid: bool = True  # drawn within the document

    def describe(self) -> str:
        body = (self.body or b"")[:300]
        return f"{self.method} {self.path} query={self.query} body={body!r}"


def _json_text(value: Any) -> bytes:
    """JSON as a client would send it; lone surrogates become \\udxxx escapes (valid JSON text
    that no UTF-8 encoder could otherwise produce)."""
    return json.dumps(value, ensure_ascii=True).encode()


def _number(schema: Schema, integer: bool) -> st.SearchStrategy[Any]:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum")
    step = schema.get("multipleOf")
    if integer:
        return st.integers(
            min_value=None if low is None else int(low) + ("exclusiveMinimum" in schema),
            max_value=None if high is None else int(high),
        )
    if step is not None:
        # Multiples of the step, as a client computes them (k * step in floats).
        lowest = 0 if low is None else round(low / step) + ("exclusiveMinimum" in schema)
        highest = 10**6 if high is None else round(high / step)
        return st.integers(min_value=lowest, max_value=highest).map(lambda k: round(k * step, 6))
    return st.floats(
        min_value=low,
        max_value=high,
        exclude_min="exclusiveMinimum" in schema,
        allow_nan=False,
        allow_infinity=False,
    )


def _string(schema: Schema) -> st.SearchStrategy[str]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    max_len = schema.get("maxLength", 40)
    min_len = schema.get("minLength", 0)
    if schema.get("format") == "date-time":
        # As the server writes them: ISO 8601 with an offset.
        offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(
            lambda quarters: timezone(timedelta(minutes=15 * quarters))
        )
        return st.datetimes(timezones=offsets).map(lambda t: t.isoformat())
    if schema.get("format") == "date":
        return st.dates().map(lambda d: d.isoformat()).filter(_YEAR_4.fullmatch)
    if "pattern" in schema:
        pattern = schema["pattern"]
        return st.from_regex(re.compile(pattern), fullmatch=True).filter(
            lambda s: min_len <= len(s) <= max_len
        )
    return st.text(min_size=min_len, max_size=min(max_len, 40))


def _object(doc: Schema, schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    props: dict[str, Schema] = schema.get("properties", {})
    branches = schema.get("oneOf") or [{}]

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        branch = draw(st.sampled_from(branches))
        required = set(schema.get("required", [])) | set(branch.get("required", []))
        forbidden = _forbidden(branch.get("not", {}))
        out: dict[str, Any] = {}
        for name, sub in props.items():
            if name in forbidden:
                continue
            if name in required or draw(st.booleans()):
                out[name] = draw(values(doc, sub))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and not props:
            names = schema.get("propertyNames", {"type": "string"})
            keys = draw(
                st.lists(
                    _string(resolve(doc, names)),
                    min_size=schema.get("minProperties", 0),
                    max_size=schema.get("maxProperties", 5),
                    unique=True,
                )
            )
            for key in keys:
                out[key] = draw(values(doc, extra))
        return out

    return build()


def _forbidden(not_schema: Schema) -> set[str]:
    names = set(not_schema.get("required", []))
    for part in not_schema.get("anyOf", []):
        names |= set(part.get("required", []))
    return names


def values(doc: Schema, schema: Schema) -> st.SearchStrategy[Any]:
    """Values the schema allows (a practical subset: bounds, patterns, enums, oneOf)."""
    schema = resolve(doc, schema)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "type" not in schema and "oneOf" in schema and "properties" not in schema:
        return st.one_of(*(values(doc, branch) for branch in schema["oneOf"]))
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        return st.one_of(*(values(doc, {**schema, "type": k}) for k in kind))
    if kind == "string":
        return _string(schema)
    if kind in ("number", "integer"):
        return _number(schema, integer=kind == "integer")
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(
            values(doc, schema.get("items", {})),
            min_size=schema.get("minItems", 0),
            max_size=max(3, schema.get("minItems", 0)),
        )
    return _object(doc, schema)


_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@st.composite
def _broken(draw: st.DrawFn, valid: Any) -> bytes:
    """`valid` (a drawn body) broken in one place."""
    how = draw(st.sampled_from(["type", "drop", "unknown", "text", "json", "raw", "nest"]))
    if isinstance(valid, dict) and valid and how in ("type", "drop", "text"):
        key = draw(st.sampled_from(sorted(valid)))
        if how == "drop":
            return _json_text({k: v for k, v in valid.items() if k != key})
        if how == "type":
            return _json_text({**valid, key: draw(_ANY_JSON)})
        text = draw(st.text(max_size=10)) + draw(_NASTY_TEXT)
        return _json_text({**valid, key: text})
    if how == "unknown" and isinstance(valid, dict):
        return _json_text({**valid, draw(st.text(min_size=1, max_size=8)) + draw(_NASTY_TEXT): 1})
    if how == "raw":
        return draw(st.binary(max_size=64))
    if how == "nest":
        # Deeper than Python's recursion limit, within the 64 KiB body limit.
        depth = draw(st.integers(min_value=2_000, max_value=30_000))
        return draw(st.sampled_from([b"[", b'{"a":'])) * (depth // 5 if depth > 12_000 else depth)
    return _json_text(draw(_ANY_JSON))


def _query_value(doc: Schema, param: Schema) -> st.SearchStrategy[str]:
    schema = resolve(doc, param["schema"])
    if schema.get("type") == "array":
        items = values(doc, schema["items"])
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=3).map(",".join)
    return values(doc, schema).map(str)


@st.composite
def calls(
    draw: st.DrawFn, doc: Schema, method: str, path: str, known_ids: dict[str, list[str]]
) -> Call:
    """One call of the operation `method path` of `doc`; `known_ids` maps a path parameter to
    ids that exist, so that some calls reach real rows."""
    item = doc["paths"][path]
    op = item[method]
    params = [*item.get("parameters", []), *op.get("parameters", [])]
    valid = draw(st.integers(min_value=0, max_value=3)) > 0  # three in four follow the document
    url = path
    query: dict[str, str] = {}
    for param in params:
        if param["in"] == "path":
            schema = resolve(doc, param["schema"])
            choices = values(doc, schema)
            if known_ids.get(param["name"]):
                choices = st.sampled_from(known_ids[param["name"]]) | choices
            if not valid and draw(st.booleans()):
                choices = st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s)
            value = draw(choices)
            url = url.replace("{" + param["name"] + "}", _quote(value))
        elif draw(st.booleans()):
            strategy = _query_value(doc, param)
            if known_ids.get(param["name"]):
                strategy = st.sampled_from(known_ids[param["name"]]) | strategy
            if not valid and draw(st.booleans()):
                strategy = st.text(max_size=12) | _NASTY_TEXT
            query[param["name"]] = draw(strategy)
    body = None
    content_type = "application/json"
    request_body = op.get("requestBody")
    if request_body is not None and (request_body.get("required") or draw(st.booleans())):
        schema = request_body["content"]["application/json"]["schema"]
        drawn = draw(values(doc, schema))
        if valid:
            body = _json_text(drawn)
        else:
            body = draw(_broken(drawn))
            if draw(st.integers(min_value=0, max_value=9)) == 0:
                content_type = draw(st.sampled_from(["text/plain", "application/xml", ""]))
    return Call(method.upper(), url, query, body, content_type, valid)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


# -- a fixed corpus: the inputs that once gave 500 (issue 11), sent to every body ------------

_NASTY_VALUES: tuple[Any, ...] = (
    "\ud800",
    "x\u0000y",
    "\x1b[31m",
    "",
    " ",
    1e-8,
    -1,
    1e308,
    10**30,
    "9999-12-31",
    "20261210",
    "2026-W50-3",
    [[[]]],
    {"a": {}},
)


def _base_body(doc: Schema, schema: Schema) -> dict[str, Any]:
    """A plausible body: each required property at its simplest documented value."""
    schema = resolve(doc, schema)
    out: dict[str, Any] = {}
    branch = (schema.get("oneOf") or [{}])[0]
    for name in [*schema.get("required", []), *branch.get("required", [])]:
        prop = resolve(doc, schema["properties"][name])
        if "enum" in prop:
            out[name] = prop["enum"][0]
        elif prop.get("type") in ("number", "integer"):
            out[name] = prop.get("minimum", 1)
        else:
            out[name] = "ABCD-EFGH-JKLM"
    return out


def corpus(doc: Schema, method: str, path: str) -> list[Call]:
    """Deterministic calls of `method path`: nesting past the recursion limit, and every
    property of the body replaced in turn by each of _NASTY_VALUES (and `volumes` keyed by
    them)."""
    op = doc["paths"][path][method]
    request_body = op.get("requestBody")
    if request_body is None or "{" in path:
        return []
    schema = resolve(doc, request_body["content"]["application/json"]["schema"])
    base = _base_body(doc, schema)
    bodies = [b"[" * 30_000, b'{"a":' * 12_000]
    for name in schema.get("properties", {}):
        for value in _NASTY_VALUES:
            bodies.append(_json_text({**base, name: value}))
            if name == "volumes" and isinstance(value, str):
                bodies.append(_json_text({**base, name: {value: 1.0}}))
    return [Call(method.upper(), path, {}, body, valid=False) for body in bodies]


#: Days at the ends of the calendar: the day after (or the UTC start of) them overflows.
EDGE_DAYS = ("9999-12-31", "0001-01-01", "9999-12-30", "0001-01-02")


def _is_day(doc: Schema, schema: Schema) -> bool:
    return resolve(doc, schema).get("format") == "date"


def _full_body(doc: Schema, schema: Schema) -> list[dict[str, Any]]:
    """Plausible bodies with every optional list of numbers filled too, once per length the
    document allows (hourly_kwh: 23, 24 and 25 figures): edge days reach the code that counts
    on them."""
    base = _base_body(doc, schema)
    bodies = [base]
    for name, raw in schema.get("properties", {}).items():
        prop = resolve(doc, raw)
        items = resolve(doc, prop.get("items", {}))
        if name in base or items.get("type") not in ("number", "integer"):
            continue
        lengths = range(prop.get("minItems", 1), prop.get("maxItems", 1) + 1)
        bodies = [{**body, name: [0] * n} for body in bodies for n in lengths]
    return bodies


def edge_day_calls(doc: Schema, method: str, path: str, ids: dict[str, list[str]]) -> list[Call]:
    """Every day the operation takes (a body property, list or key, a query parameter) set to
    each of EDGE_DAYS, in bodies otherwise complete: a 4xx, never a 500. The document lists
    only open days, so the generated calls never go there (issue 19, item 4)."""
    op = doc["paths"][path][method]
    target = path
    for name, values in ids.items():
        target = target.replace("{" + name + "}", values[0])
    out = [
        Call(method.upper(), target, {p["name"]: day}, None, valid=False)
        for p in op.get("parameters", [])
        if p["in"] == "query" and _is_day(doc, p["schema"])
        for day in EDGE_DAYS
    ]
    request_body = op.get("requestBody")
    if request_body is None:
        return out
    schema = resolve(doc, request_body["content"]["application/json"]["schema"])
    for body in _full_body(doc, schema):
        for name, raw in schema.get("properties", {}).items():
            prop = resolve(doc, raw)
            for day in EDGE_DAYS:
                if _is_day(doc, prop):
                    value: Any = day
                elif _is_day(doc, prop.get("items", {})):
                    value = [day]
                elif _is_day(doc, prop.get("propertyNames", {})):
                    value = {day: 1.0}
                else:
                    continue
                out.append(
                    Call(method.upper(), target, {}, _json_text({**body, name: value}), valid=False)
                )
    return out
