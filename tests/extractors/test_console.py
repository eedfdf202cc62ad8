"""Console reader: an Aliyun ECS console (public) and a VMware private cloud (not public)."""

from __future__ import annotations

from extractors.console import extract_console
from models.domain import PageText, TextLine
from models.enums import TextSource


def L(text: str, x: float, y: float, h: float = 28, cw: float = 16) -> TextLine:
    return TextLine(text=text, bbox=(x, y, x + cw * len(text), y + h), confidence=0.97)


def aliyun() -> PageText:
    lines = [
        L("阿里云", 97, 20, cw=30),
        L("工作台", 280, 20),
        L("华东1(杭州)", 646, 22),
        L("dev-account", 2360, 10),
        L("主账号", 2369, 40),
        L("云服务器 ECS", 40, 114),  # the left menu
        L("云盘", 54, 950),
        L("云服务器 ECS / 实例", 352, 114),  # the breadcrumb
        L("实例ID/名称", 433, 408),
        L("i-bp1a2b3c4d5e6f7g8h9i", 435, 466),
        L("华东1(杭州)", 1304, 479),
        L("172.16.0.12 (私有)", 1786, 493),
        L("2020-06-01 10:12 创建", 2050, 492),
        L("费用中心 本月消费 ¥1,280.50", 400, 1300),
        L("对象存储 OSS", 400, 1340),
        L("Web应用防火墙", 700, 1340),
    ]
    return PageText(page=14, width=2495, height=1423, lines=lines, text_source=TextSource.ocr)


def vmware() -> PageText:
    lines = [
        L("vSphere Client", 20, 10),
        L("某某集团私有云管理平台", 300, 10),
        L("虚拟机", 300, 80),
        L("名称", 300, 120),
        L("IP 地址", 700, 120),
        L("erp-app-01", 300, 160),
        L("192.168.10.21", 700, 160),
        L("2020-07-13", 950, 160),
    ]
    return PageText(page=15, width=1350, height=609, lines=lines, text_source=TextSource.ocr)


def test_aliyun_console_is_public_cloud() -> None:
    ex = extract_console([aliyun()])
    assert ex.fields["vendor"].value == "阿里云" and ex.fields["vendor"].page == 14
    assert ex.fields["account"].value == "dev-account"
    products = [fv.value for fv in ex.list_fields["products"]]
    assert products[0] == "云服务器 ECS"
    assert "对象存储 OSS" in products and "Web 应用防火墙 WAF" in products
    # 云盘 is only in the left menu: not evidence of use
    assert "云盘" not in products and ex.facts["menu_products"] == ["云盘"]
    assert [fv.value for fv in ex.list_fields["instance_ids"]] == ["i-bp1a2b3c4d5e6f7g8h9i"]
    assert [fv.value for fv in ex.list_fields["regions"]] == ["华东1(杭州)"]
    assert [fv.value for fv in ex.list_fields["dates"]] == ["2020-06-01"]
    assert [fv.value for fv in ex.list_fields["amounts"]] == ["1280.50"]
    assert all(fv.page == 14 and fv.bbox for fvs in ex.list_fields.values() for fv in fvs)
    assert ex.facts["public_cloud"] is True
    assert {"计算资源", "存储资源", "网络安全", "业务安全", "内容安全"} <= set(ex.facts["domains"])
    assert ex.facts["domains"] == sorted(ex.facts["domains"])
    # each product listed with the annex domains it proves
    assert set(ex.facts["product_domains"]) == set(products)
    assert "计算资源" in ex.facts["product_domains"]["云服务器 ECS"]
    assert "存储资源" in ex.facts["product_domains"]["对象存储 OSS"]
    assert ex.problems == []


def test_vmware_private_cloud_is_not_public() -> None:
    ex = extract_console([vmware()])
    assert "vendor" not in ex.fields
    assert [fv.value for fv in ex.list_fields["products"]] == ["云主机"]
    assert ex.facts["public_cloud"] is False
    [problem] = ex.problems
    assert problem.code == "console_not_public_cloud" and problem.severity == "medium"
    assert "vSphere" in problem.values["cues"]


def test_intranet_addresses_alone_without_vendor() -> None:
    page = PageText(page=3, width=1000, height=600, lines=[L("云主机", 300, 80), L("10.251.13.12", 600, 120)])
    ex = extract_console([page])
    assert ex.facts["public_cloud"] is False


def test_nothing_recognised() -> None:
    ex = extract_console([PageText(page=1, width=100, height=100, lines=[L("登录", 10, 10)])])
    assert ex.facts["public_cloud"] is None and ex.facts["domains"] == []
