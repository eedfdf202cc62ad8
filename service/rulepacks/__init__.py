"""Rule packs: one YAML file per programme, validated against ``models.rulepack.RulePack``."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import ValidationError

from extractors.lexicon import annex_rows
from models.rulepack import RulePack


class RulePackError(ValueError):
    """A rule pack is missing or does not match the schema."""


def available() -> list[str]:
    return sorted(
        p.name.removesuffix(".yaml")
        for p in resources.files(__package__).iterdir()
        if p.name.endswith(".yaml")
    )


@cache
def load(pack_id: str) -> RulePack:
    """The rule pack ``pack_id``, validated; a clear error names the packs that exist."""
    if pack_id not in available():
        raise RulePackError(f"unknown programme {pack_id!r}; available: {', '.join(available())}")
    text = resources.files(__package__).joinpath(f"{pack_id}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if isinstance(data, dict) and data.get("annex") == "lexicon":
        # the annex table is also what the form extractor reads; one copy, in the lexicon's data
        data["annex"] = [{"category": c, "subcategory": s, "domain": d} for c, s, d in annex_rows()]
    try:
        pack = RulePack.model_validate(data)
    except ValidationError as exc:
        raise RulePackError(f"rule pack {pack_id} is invalid: {exc}") from exc
    if pack.id != pack_id:
        raise RulePackError(f"rule pack file {pack_id}.yaml declares id {pack.id!r}")
    return pack
