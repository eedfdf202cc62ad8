"""Schemathesis over the published OpenAPI: generated requests never cause a server error and every
answer, errors included, matches the schema (bounded examples, checks run inside the request)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install schemathesis)")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.settings import Settings  # noqa: E402
from tests.service.web.conftest import Service, make_service  # noqa: E402

# the schema is read when the module is collected, so the service is made then, on a data dir of its own
_DATA = Path(tempfile.mkdtemp(prefix="evidence-openapi-"))
atexit.register(shutil.rmtree, _DATA, ignore_errors=True)
SERVICE: Service = make_service(Settings(data_dir=_DATA / "data", database_url=None))
schema = schemathesis.openapi.from_asgi("/openapi.json", SERVICE.app)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_answer_outside_the_schema(case) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers=SERVICE.auth("admin"),
                           checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance])
