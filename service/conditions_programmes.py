"""Condition kinds used by programmes other than Jinan's (registered into the checklist's
``CONDITIONS`` when this module is imported by ``service.checklist``)."""

from __future__ import annotations

from typing import Any

from models.enums import DocumentType, Status
from service.analysis import Dossier
from service.checklist import Outcome, condition


@condition("any_document_present")
def any_document_present(dossier: Dossier, params: dict[str, Any]) -> Outcome:
    """At least one of several document types is in the dossier (e.g. copyright OR patent)."""
    types = [DocumentType(t) for t in params["document_types"]]
    docs = dossier.of_type(*types)
    if docs:
        pages = sorted({p for d in docs for p in d.pages})
        kinds = "、".join(sorted({str(d.document_type) for d in docs}))
        return Status.met, pages, [], f"{kinds}：见第 {'、'.join(map(str, pages))} 页"
    return Status(params.get("absent_status", "missing")), [], [], params.get("absent_reason", "材料中未发现所需证明文件")
