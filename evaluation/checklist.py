"""The checklist evaluator: every item of a programme's rule pack, evaluated by its condition kind.

Condition kinds are registered here, in one explicit list, under versioned names
(``document_present@1``). A rule pack names a kind with or without its version; without one, the
latest version is meant, so a pack keeps working when a kind gains a stricter version, and a pack
that must keep the old behaviour pins it. A new kind is one function in ``conditions`` (or
``conditions_programmes``) and one line here.

A condition that fails with an error ends its item ``needs_review`` with the error in the reason;
the other items are evaluated as usual.
"""

from __future__ import annotations

import logging
import re

from evaluation import conditions as c
from evaluation import conditions_programmes as p
from evaluation.analysis import Dossier
from evaluation.conditions import Condition
from models.domain import CheckResult, ReportError
from models.enums import READ_ERRORS, Status
from models.rulepack import Item, RulePack

log = logging.getLogger(__name__)

CONDITIONS: dict[str, Condition] = {
    # any programme
    "document_present@1": c.document_present,
    "any_document_present@1": p.any_document_present,
    "reviewer_confirms@1": c.reviewer_confirms,
    "reviewer_confirms_mention@1": p.reviewer_confirms_mention,
    "pages_mention@1": c.pages_mention,
    "registered_in_region@1": c.registered,
    "independent_legal_person@1": c.independent,
    # Jinan 2020, star-rated enterprises on the cloud
    "spending_since_cutoff@1": c.spending,
    "cloud_form_allowed@1": c.cloud_form,
    "contracts_and_invoices@1": c.contracts_and_invoices,
    "deployment_statement_if_needed@1": c.deployment_statement,
    "private_cloud_documents@1": c.private_cloud_documents,
    "form_matches_license@1": c.form_matches_license,
    "pledge_sealed@1": c.pledge_sealed,
    "annex_supported@1": c.annex_supported,
    # Zhengzhou 2018, cloud providers
    "applicant_kind@1": p.applicant_kind,
    "registered_or_represented@1": p.registered_or_represented,
    "telecom_license_held@1": p.telecom_license_held,
    "software_certificate_held@1": p.software_certificate_held,
    "submitted_by_deadline@1": p.submitted_by_deadline,
    # double soft: software products and software enterprises
    "copyright_or_patent@1": p.copyright_or_patent,
    "test_report_by_testing_body@1": p.test_report_by_testing_body,
    "figure_ratio@1": p.figure_ratio,
}

_VERSIONED = re.compile(r"^(?P<kind>[a-z_]+)@(?P<version>\d+)$")


def resolve(kind: str) -> Condition | None:
    """The condition a rule pack names: ``kind@N`` exactly, or plain ``kind`` at its latest version."""
    if "@" in kind:
        return CONDITIONS.get(kind)
    versions = [(int(m["version"]), fn) for name, fn in CONDITIONS.items()
                if (m := _VERSIONED.match(name)) and m["kind"] == kind]
    return max(versions, key=lambda v: v[0])[1] if versions else None


def evaluate(dossier: Dossier) -> list[CheckResult]:
    """Evaluate every item of the pack that applies to the dossier's star level."""
    return [_evaluate_item(dossier, item) for item in dossier.pack.items_for(dossier.star or dossier.pack.default_star)]


def _evaluate_item(dossier: Dossier, item: Item) -> CheckResult:
    condition = resolve(item.condition.kind)
    assert condition is not None, f"unvalidated rule pack: {item.condition.kind}"
    try:
        status, pages, evidence, reason = condition(dossier, item.condition.params)
    except Exception as exc:  # noqa: BLE001 - one failing condition must not end the evaluation
        log.exception("condition %s of item %s failed", item.condition.kind, item.id)
        status, pages, evidence = Status.needs_review, [], []
        reason = f"该项检查出错，需人工复核（`{item.condition.kind}`：{type(exc).__name__}: {exc}）"
    return CheckResult(item_id=item.id, title=item.title, group=item.group, status=status, pages=pages,
                       evidence=evidence, reason=reason)


def unreadable_needs_review(results: list[CheckResult], errors: list[ReportError]) -> list[CheckResult]:
    """An item found missing while files or pages could not be read needs a person, not a verdict:
    what it asks for may be on them."""
    unreadable = list(dict.fromkeys(e.file or "?" for e in errors if e.code in READ_ERRORS))
    if not unreadable:
        return results
    names = "、".join(unreadable[:5]) + (f" 等 {len(unreadable)} 个文件" if len(unreadable) > 5 else "")
    for r in results:
        if r.status == Status.missing:
            r.status = Status.needs_review
            r.reason = f"{r.reason}；但 {names} 未能读取（见“无法读取”），所需材料可能在其中，请人工复核"
    return results


class RulePackConditionError(ValueError):
    """A rule pack names a condition kind that no function implements."""


def validate_pack(pack: RulePack) -> None:
    """Fail at start-up, not mid-run, when a pack uses an unknown condition kind."""
    unknown = sorted({i.condition.kind for i in pack.items if resolve(i.condition.kind) is None})
    if unknown:
        raise RulePackConditionError(f"rule pack {pack.id} uses unknown condition kinds: {', '.join(unknown)}")
