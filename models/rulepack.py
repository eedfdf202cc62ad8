"""The rule-pack schema: one data file per programme, validated when it is loaded.

A pack lists checklist items; each item names a condition kind (one function in
``evaluation.checklist``) with its parameters. A new programme is a new file; a new kind of
condition is one new function.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    # leading digits of the administrative division in characters 3-8 of a credit code
    division_prefixes: list[str]
    # place names that, in a licence address, mean the company is registered there
    address_keywords: list[str]


class Condition(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: str

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    group: str
    condition: Condition
    # star levels the item applies to; empty means every level
    stars: list[int] = Field(default_factory=list)
    optional: bool = False
    note: str | None = None


class AnnexDomain(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str
    subcategory: str
    domain: str


class RulePack(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    version: str
    title: str
    source: str
    cutoff_date: date | None = None
    deadline: date | None = None
    region: Region | None = None
    stars: list[int] = Field(default_factory=list)
    default_star: int | None = None
    # deployment models each star level may use: public | private | hybrid
    cloud_forms: dict[int, list[str]] = Field(default_factory=dict)
    items: list[Item]
    annex: list[AnnexDomain] = Field(default_factory=list)
    # programme-only report sections: "spending" (cloud spending since the cut-off), "annex"
    sections: list[str] = Field(default_factory=list)
    # programme-specific extractor sets to run on top of the generic ones (extractors.registry)
    extractors: list[str] = Field(default_factory=list)

    def star_for(self, star: int | None) -> int | None:
        """The star level to evaluate: the one asked for, checked against the pack's, or its default."""
        if star is None:
            return self.default_star
        if star not in self.stars:
            allowed = "、".join(map(str, self.stars)) if self.stars else "无（该项目不分星级）"
            raise ValueError(f"{self.id} has no star level {star}; its levels: {allowed}")
        return star

    def items_for(self, star: int | None) -> list[Item]:
        return [i for i in self.items if not i.stars or star is None or star in i.stars]
