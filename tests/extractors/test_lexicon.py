"""The cloud lexicon as data: schema, annex domains, matching rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from extractors.lexicon import Lexicon, annex_rows, domains_for, load_lexicon, match_products, match_vendors
from models.domain import PageText, TextLine


def page(*texts: str) -> PageText:
    lines = [
        TextLine(text=t, bbox=(10, 10 + 30 * i, 10 + 16 * len(t), 30 + 30 * i)) for i, t in enumerate(texts)
    ]
    return PageText(page=7, width=1000, height=1000, lines=lines)


def test_annex_rows_as_printed() -> None:
    rows = annex_rows()
    assert len(rows) == 53
    assert rows[0] == ("基础系统上云", "IT 资源", "门户网站")
    assert rows[-1] == ("上云成效", "应用层面", "其他应用")
    domains = [d for _, _, d in rows]
    assert {"IT 开发", "IT 测试", "IT 运维", "CRM 和渠道管理", "APP 应用", "MES", "ERP"} <= set(domains)
    assert len(set(domains)) == len(domains)


def test_every_product_domain_is_an_annex_domain() -> None:
    lex = load_lexicon()
    annex = {d for _, _, d in annex_rows()}
    assert all(set(p.domains) <= annex for p in lex.products)


def test_domains_for() -> None:
    assert domains_for("云服务器 ECS") == ["计算资源"]
    assert domains_for("OSS") == ["存储资源"]  # by alias
    assert "协同工作工具" in domains_for("钉钉")
    assert domains_for("no such product") == []


def test_schema_rejects_unknown_domain() -> None:
    lex = load_lexicon()
    data = lex.model_dump()
    data["products"][0]["domains"] = ["计算资源池"]
    with pytest.raises(ValidationError):
        Lexicon.model_validate(data)


def test_exact_spaced_and_latin_matches() -> None:
    found = match_products([page("云服务器ECS 实例", "对象存储 OSS", "SECS 不是产品", "ecs实例列表")])
    assert [(m.product, m.text) for m in found] == [
        ("云服务器 ECS", "云服务器ECS"),
        ("对象存储 OSS", "对象存储 OSS"),
        ("云服务器 ECS", "ecs实例"),
    ]
    assert all(m.page == 7 and m.bbox[2] > m.bbox[0] for m in found)
    assert found[0].vendor == "阿里云"


def test_fuzzy_only_for_long_aliases() -> None:
    # one OCR slip in a five-character alias is accepted, at a lower confidence
    [m] = match_products([page("Web应用防火墒")])
    assert m.product == "Web 应用防火墙 WAF"
    # 云服务费 is one character from 云服务器 but means a fee: short aliases must be exact
    assert match_products([page("技术服务费 云服务费")]) == []


def test_vendors() -> None:
    found = match_vendors([page("一阿里云", "腾讯云 控制台")], cues=False)
    assert [m.vendor for m in found] == ["阿里云", "腾讯云"]


def test_a_difference_that_makes_another_word_is_not_a_slip() -> None:
    # 运维管理系统 (operations) is one character from the logistics alias 运输管理系统, but 运维 is a
    # word of the lexicon: no logistics here, only the device-management system the line names
    found = match_products([page("定制开发“设备运维管理系统”")])
    assert [m.product for m in found] == ["设备管理系统"]
    assert match_products([page("运维管理系统")]) == []
    # a character no word of the lexicon uses is still read as a slip
    assert [m.product for m in match_products([page("运输管理系统")])] == ["物流管理 TMS"]
    assert [m.product for m in match_products([page("运输管理糸统")])] == ["物流管理 TMS"]


def test_wording_rules_are_validated() -> None:
    lex = load_lexicon()
    assert any("应用软件" in r.domains and r.title for r in lex.wording)
    data = lex.model_dump(by_alias=True)
    data["wording"][0]["domains"] = ["应用软件池"]
    with pytest.raises(ValidationError):
        Lexicon.model_validate(data)
    data = lex.model_dump(by_alias=True)
    data["wording"][1].pop("with")
    with pytest.raises(ValidationError):
        Lexicon.model_validate(data)


def test_a_slip_is_found_in_either_half_of_an_alias_anywhere_in_the_line() -> None:
    # one substituted character leaves the other half of the alias as printed: either half finds it
    for text in ("远输管理系统", "运输管理糸统", "甲方采购运输管理糸统一套", "采购远输管理系统"):
        assert [m.product for m in match_products([page(text)])] == ["物流管理 TMS"], text
    assert match_products([page("远输管理糸统")]) == []  # two slips are not one
