"""A dossier's risk score: how urgently a reviewer should look, from its flags and weights kept as data."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel

from models.domain import RiskFlag, RiskReason, RiskScore


class RiskWeights(BaseModel):
    severity: dict[str, float]
    repeat: float
    levels: dict[str, float]
    codes: dict[str, float]


@lru_cache(maxsize=1)
def weights() -> RiskWeights:
    text = resources.files("evaluation").joinpath("data/risk.yaml").read_text(encoding="utf-8")
    return RiskWeights.model_validate(yaml.safe_load(text))


def risk_score(flags: list[RiskFlag], table: RiskWeights | None = None) -> RiskScore:
    """0-100: each flag code adds its weight once, and a fraction of it for each repeat."""
    table = table or weights()
    by_code: dict[str, list[RiskFlag]] = {}
    for flag in flags:
        by_code.setdefault(flag.code, []).append(flag)
    reasons = []
    for code, group in by_code.items():
        weight = table.codes.get(code, table.severity.get(str(group[0].severity), 0.0))
        points = weight * (1 + table.repeat * (len(group) - 1))
        reasons.append(RiskReason(code=code, count=len(group), points=round(points, 1),
                                  pages=sorted({p for f in group for p in f.pages})))
    reasons.sort(key=lambda r: (-r.points, r.code))
    score = min(100, round(sum(r.points for r in reasons)))
    level = "high" if score >= table.levels["high"] else "medium" if score >= table.levels["medium"] else "low"
    return RiskScore(score=score, level=level, reasons=reasons)
