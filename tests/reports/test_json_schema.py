import json
from pathlib import Path
from typing import Any

import pytest

from models.domain import Report
from service.reports.json_report import render_json
from service.reports.schema import SCHEMA_PATH, main, report_schema, schema_text
from tests.factories import make_report


def test_json_round_trips_into_report() -> None:
    report = make_report()
    text = render_json(report)
    assert Report.model_validate_json(text) == report
    assert text.endswith("\n")


def test_json_keeps_chinese_and_field_order() -> None:
    text = render_json(make_report())
    assert "济南云帆信息科技有限公司" in text
    assert "\\u" not in text
    data = json.loads(text)
    assert list(data) == list(Report.model_fields)
    assert data["pages"][0]["text_source"] == "text_layer"
    assert data["findings"][0]["bbox"] == [120.0, 140.0, 330.0, 158.0]


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()
    assert main(["--check"]) == 0


def test_schema_check_fails_on_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "report.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert main(["--check", "--path", str(stale)]) == 1
    assert main(["--check", "--path", str(tmp_path / "absent.json")]) == 1
    assert main(["--path", str(stale)]) == 0
    assert main(["--check", "--path", str(stale)]) == 0


def test_schema_header() -> None:
    schema = report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(schema["schema_version"])
    assert schema["title"]
    assert {"programme", "pages", "checklist", "risk_flags", "errors"} <= set(schema["required"])
    # programme-only sections, declared by the rule pack
    assert not {"spending", "annex"} & set(schema["required"])


# jsonschema is not installed in the project venv; this small validator covers the keywords
# pydantic generates, so the schema is still checked against real output.
_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
    "object": dict,
    "array": list,
}


def _errors(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str = "$") -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return _errors(value, root["$defs"][name], root, where)
    if "anyOf" in schema:
        options = [_errors(value, s, root, where) for s in schema["anyOf"]]
        return [] if any(not o for o in options) else [f"{where}: no anyOf branch matches"]
    out: list[str] = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            isinstance(value, _TYPES[t]) and not (t in ("integer", "number") and isinstance(value, bool))
            for t in types
        )
        if not ok:
            return [f"{where}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        out.append(f"{where}: {value!r} != {schema['const']!r}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        out += [f"{where}: missing {k}" for k in schema.get("required", []) if k not in value]
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            if k in props:
                out += _errors(v, props[k], root, f"{where}.{k}")
            elif extra is False:
                out.append(f"{where}: unexpected {k}")
            elif isinstance(extra, dict):
                out += _errors(v, extra, root, f"{where}.{k}")
    if isinstance(value, list):
        prefix = schema.get("prefixItems", [])
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(f"{where}: too few items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(f"{where}: too many items")
        for i, item in enumerate(value):
            sub = prefix[i] if i < len(prefix) else schema.get("items")
            if isinstance(sub, dict):
                out += _errors(item, sub, root, f"{where}[{i}]")
    return out


def test_factory_report_validates_against_schema() -> None:
    schema = report_schema()
    data = json.loads(render_json(make_report()))
    assert _errors(data, schema, schema) == []


def test_schema_rejects_broken_report() -> None:
    schema = report_schema()
    data = json.loads(render_json(make_report()))
    del data["programme"]
    data["checklist"][0]["status"] = "ok"
    data["findings"][0]["bbox"] = [1, 2, 3]
    errors = _errors(data, schema, schema)
    assert any("missing programme" in e for e in errors)
    assert any("checklist[0].status" in e for e in errors)
    assert any("findings[0].bbox" in e for e in errors)


def test_factory_report_validates_with_jsonschema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(report_schema()).validate(json.loads(render_json(make_report())))
