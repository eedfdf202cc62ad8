"""HTTP API: the same check and the same report as the command line.

    POST /checks              multipart: files (in bound order), programme, star, applicant
    GET  /checks/{id}         the report (JSON)
    GET  /checks/{id}/report.{json|md|html|xlsx}
    GET  /programmes          the rule packs
    GET  /health

Uploads are stored under the data directory, each dossier in its own folder that only appears
once every file is completely written (nothing half-written is ever visible). Errors are
``{"code": ..., "detail": ...}``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from models.domain import Report
from service import rulepacks
from service.pipeline import CheckOptions, check_dossier
from service.reports import FORMATS, render
from service.settings import Settings, get_settings

app = FastAPI(title="evidence-checker", version="0.1.0")
SettingsDep = Annotated[Settings, Depends(get_settings)]

_ID = re.compile(r"^[0-9a-f]{32}$")
_MEDIA = {"json": "application/json", "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ApiError(HTTPException):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(status_code=status, detail=detail)
        self.code = code


@app.exception_handler(ApiError)
async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(status_code=exc.status_code, content={"code": exc.code, "detail": exc.detail})


def _safe_name(name: str, index: int) -> str:
    base = Path(name.replace("\\", "/")).name or f"file-{index}"
    base = re.sub(r"[\x00-\x1f/]", "_", base)
    # keep the bound order whatever the names are
    return f"{index:04d}_{base}"


def _store_uploads(files: list[UploadFile], settings: Settings) -> tuple[str, Path]:
    uploads = settings.data_dir / "dossiers"
    uploads.mkdir(parents=True, exist_ok=True)
    check_id = uuid.uuid4().hex
    staging = Path(tempfile.mkdtemp(dir=uploads, prefix=".incoming-"))
    limit = settings.max_file_mb * 1024 * 1024
    try:
        for index, upload in enumerate(files, start=1):
            target = staging / _safe_name(upload.filename or "", index)
            size = 0
            with target.open("wb") as out:
                while chunk := upload.file.read(1024 * 1024):
                    size += len(chunk)
                    if size > limit:
                        raise ApiError(413, "file_too_large",
                                       f"{upload.filename} is larger than {settings.max_file_mb} MB; split or compress it")
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        final = uploads / check_id
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return check_id, final


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/programmes")
def programmes() -> list[dict[str, object]]:
    out = []
    for pack_id in rulepacks.available():
        pack = rulepacks.load(pack_id)
        out.append({"id": pack.id, "version": pack.version, "title": pack.title,
                    "items": [{"id": i.id, "title": i.title, "stars": i.stars} for i in pack.items]})
    return out


@app.post("/checks")
def create_check(
    settings: SettingsDep,
    files: Annotated[list[UploadFile], File(description="the dossier's files, in bound order")],
    programme: Annotated[str, Form()] = "jinan-star-cloud-2020",
    star: Annotated[int | None, Form()] = None,
    applicant: Annotated[str | None, Form()] = None,
    declared: Annotated[str | None, Form(description='JSON object of declared figures, e.g. {"staff_total": "120"}')] = None,
) -> JSONResponse:
    if programme not in rulepacks.available():
        raise ApiError(422, "unknown_programme", f"unknown programme {programme!r}; available: {', '.join(rulepacks.available())}")
    if star is not None and star not in (3, 4, 5):
        raise ApiError(422, "bad_star", "star must be 3, 4 or 5")
    if not files:
        raise ApiError(422, "no_files", "upload at least one file")
    figures: dict[str, str] = {}
    if declared:
        try:
            parsed = json.loads(declared)
        except ValueError as exc:
            raise ApiError(422, "bad_declared", f"declared must be a JSON object: {exc}") from exc
        if not isinstance(parsed, dict):
            raise ApiError(422, "bad_declared", "declared must be a JSON object of name: value")
        figures = {str(k): str(v) for k, v in parsed.items()}
    check_id, folder = _store_uploads(files, settings)
    outcome = check_dossier(sorted(folder.iterdir()), CheckOptions(programme=programme, star=star, applicant=applicant, declared=figures),
                            settings)
    report = outcome.report
    report_dir = settings.data_dir / "reports" / check_id
    report_dir.mkdir(parents=True, exist_ok=True)
    from service.reports import write_report

    write_report(report, "json", report_dir / "report.json")
    write_report(report, "html", report_dir / "report.html", outcome.page_images)
    return JSONResponse(status_code=201, content={"id": check_id, "report": json.loads(report.model_dump_json())})


def _load(check_id: str, settings: Settings) -> Report:
    if not _ID.match(check_id):
        raise ApiError(404, "not_found", "no such check")
    path = settings.data_dir / "reports" / check_id / "report.json"
    if not path.is_file():
        raise ApiError(404, "not_found", "no such check")
    return Report.model_validate_json(path.read_text(encoding="utf-8"))


@app.get("/checks/{check_id}")
def get_check(check_id: str, settings: SettingsDep) -> JSONResponse:
    return JSONResponse(content=json.loads(_load(check_id, settings).model_dump_json()))


@app.get("/checks/{check_id}/report.{fmt}")
def get_report(check_id: str, fmt: str, settings: SettingsDep) -> Response:
    if fmt not in FORMATS:
        raise ApiError(404, "unknown_format", f"format must be one of {', '.join(FORMATS)}")
    report = _load(check_id, settings)
    if fmt == "html":
        stored = settings.data_dir / "reports" / check_id / "report.html"
        if stored.is_file():
            return Response(stored.read_bytes(), media_type=_MEDIA[fmt])
    return Response(render(report, fmt), media_type=_MEDIA[fmt])
