import pytest

from extractors.cloud_wording import CLOUD_PHRASES, cloud_wording_findings, has_cloud_wording
from models.domain import PageText, TextLine


def _page(*texts: str, confidence: float = 0.9) -> PageText:
    lines = [
        TextLine(text=t, bbox=(0.0, 30.0 * i, 20.0 * len(t), 30.0 * i + 25), confidence=confidence)
        for i, t in enumerate(texts)
    ]
    return PageText(page=4, width=1240, height=1754, lines=lines)


def _found(text: str) -> list[tuple[str, str | None, bool]]:
    return [(f.value, f.normalized, f.detail["fuzzy"]) for f in cloud_wording_findings(_page(text))]


@pytest.mark.parametrize("phrase", CLOUD_PHRASES)
def test_every_phrase_matches_exactly(phrase: str) -> None:
    assert _found(f"本项目采用{phrase}方式") == [(phrase, phrase, False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*信息技术服务*云服务费", [("云服务", "云服务", False)]),
        ("采购阿里云服务器ECS 2台", [("云服务器", "云服务器", False)]),  # longest phrase wins
        ("云 服务", [("云 服务", "云服务", False)]),  # OCR spaced the characters
        ("ＳａａＳ软件订阅", [("ＳａａＳ", "SaaS", False)]),
        ("saas 平台", [("saas", "SaaS", False)]),
        ("企业上云及云端部署", [("上云", "上云", False), ("云端", "云端", False)]),
    ],
)
def test_exact_matches(text: str, expected: list[tuple[str, str, bool]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("text", "value", "phrase"),
    [
        ("*信息技术服务*云服努费", "云服努", "云服务"),
        ("*信息技术服务*云服各费", "云服各", "云服务"),
        ("云数据车 RDS", "云数据车", "云数据库"),
        ("对象存诸 OSS", "对象存诸", "对象存储"),
        ("弹性计箅服务", "弹性计箅", "弹性计算"),
        ("云服x务", "云服x务", "云服务"),  # one inserted character
    ],
)
def test_one_ocr_error_matches_fuzzily(text: str, value: str, phrase: str) -> None:
    [f] = cloud_wording_findings(_page(text))
    assert (f.value, f.normalized) == (value, phrase)
    assert f.detail["fuzzy"] is True
    assert f.confidence == pytest.approx(0.9 * 0.7)


@pytest.mark.parametrize(
    "text",
    [
        "去服务",  # the 云 itself misread: not enough to go on
        "云南省昆明市五华区人民中路",
        "地址：广州市白云区云城街",
        "北上云南出差",
        "云南服务有限公司",
        "*运输服务*客运服务费",
        "云集科技有限公司",
        "云服装厂",
        "部署于公有去",
        "ASaaSB",
        "采购合同 货物名称 数量 单价",
    ],
)
def test_no_cloud_wording(text: str) -> None:
    assert _found(text) == []


def test_yunnan_company_still_finds_its_cloud_service() -> None:
    assert _found("云南云服务有限公司") == [("云服务", "云服务", False)]


def test_finding_fields() -> None:
    page = _page("甲方委托乙方提供云服务，服务期一年", confidence=0.95)
    [f] = cloud_wording_findings(page)
    assert f.kind == "cloud_wording"
    assert f.extractor == "cloud_wording"
    assert f.page == 4
    assert f.confidence == 0.95
    assert f.detail["snippet"] == "甲方委托乙方提供云服务，服务期一年"
    assert f.bbox == pytest.approx((8 * 20.0, 0.0, 11 * 20.0, 25.0))
    assert f.id


def test_snippet_is_short_context() -> None:
    text = "一" * 40 + "云计算" + "二" * 40
    [f] = cloud_wording_findings(_page(text))
    assert len(f.detail["snippet"]) <= 30
    assert "云计算" in f.detail["snippet"]


def test_has_cloud_wording() -> None:
    assert has_cloud_wording([_page("产品买卖框架合同"), _page("云服务器 ECS / 实例")])
    assert not has_cloud_wording([_page("产品买卖框架合同", "卖方：云南某某有限公司")])
    assert not has_cloud_wording([])
