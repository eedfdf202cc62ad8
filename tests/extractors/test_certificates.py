"""Certificates: software copyright, telecom licence, software product certificate, test report."""

from __future__ import annotations

from extractors.certificates import (
    extract_software_copyright,
    extract_software_product_certificate,
    extract_telecom_license,
    extract_test_report,
)
from models.domain import PageText, TextLine
from models.enums import TextSource


def L(text: str, x: float, y: float, h: float = 48, cw: float = 40) -> TextLine:
    return TextLine(text=text, bbox=(x, y, x + cw * len(text), y + h), confidence=0.99)


def page(lines: list[TextLine], n: int = 30) -> PageText:
    return PageText(page=n, width=1700, height=2200, lines=lines, text_source=TextSource.ocr)


def test_software_copyright() -> None:
    ex = extract_software_copyright(
        [
            page(
                [
                    L("计算机软件著作权登记证书", 355, 389, h=96, cw=84),
                    L("证书号：软著登字第1234567号", 1056, 499, h=36, cw=26),
                    L("软件名称：", 241, 578),
                    L("云帆设备数据采集平台", 545, 578),
                    L("V1.0", 546, 625),
                    L("著作权人：", 242, 756),
                    L("济南云帆信息科技有限公司", 547, 756),
                    L("开发完成日期：", 242, 943),
                    L("2021年06月10日", 542, 941, cw=22),
                    L("首次发表日期：", 245, 1035),
                    L("未发表", 545, 1032),
                    L("登记号：", 242, 1315),
                    L("2021SR0123456", 545, 1322, cw=22),
                    L("2021年06月16日", 1039, 1946, cw=22),
                ]
            )
        ]
    )
    f = ex.fields
    assert f["certificate_number"].value == "软著登字第1234567号"
    assert f["registration_number"].value == "2021SR0123456"
    assert f["software_name"].value == "云帆设备数据采集平台"
    assert f["copyright_holder"].value == "济南云帆信息科技有限公司"
    assert f["completion_date"].value == "2021-06-10"
    assert "first_publication_date" not in f and ex.facts["published"] is False
    assert f["issue_date"].value == "2021-06-16"
    assert all(fv.page == 30 and fv.bbox for fv in f.values())


def test_telecom_license() -> None:
    ex = extract_telecom_license(
        [
            page(
                [
                    L("中华人民共和国增值电信业务经营许可证", 300, 200, h=80, cw=60),
                    L("经营许可证编号：鲁B2-20190123", 500, 320, cw=30),
                    L("公司名称：浪潮云信息技术股份公司", 200, 420, cw=30),
                    L("业务种类：B11-1 互联网数据中心业务（含互联网资源协作服务）", 200, 520, cw=24),
                    L("B12 内容分发网络业务", 400, 580, cw=30),
                    L("有效期至：2024年06月30日", 200, 700, cw=30),
                ]
            )
        ]
    )
    f = ex.fields
    assert f["license_number"].value == "鲁B2-20190123"
    assert f["company_name"].value == "浪潮云信息技术股份公司"
    assert [fv.value for fv in ex.list_fields["business_types"]] == ["B11", "B12"]
    assert ex.facts["business_type_names"]["B12"] == "内容分发网络业务"
    assert ex.facts["resource_collaboration"] is True
    assert f["valid_until"].value == "2024-06-30"


def test_software_product_certificate() -> None:
    ex = extract_software_product_certificate(
        [
            page(
                [
                    L("软件产品证书", 500, 200, h=80, cw=60),
                    L("证书编号：鲁RC-2021-0456", 200, 320, cw=30),
                    L("软件名称：云帆设备数据采集平台V1.0", 200, 420, cw=30),
                    L("申请企业：济南云帆信息科技有限公司", 200, 520, cw=30),
                    L("有效期：五年", 200, 620, cw=30),
                    L("发证日期：2021年08月01日", 200, 720, cw=30),
                ]
            )
        ]
    )
    f = ex.fields
    assert f["certificate_number"].value == "鲁RC-2021-0456"
    assert f["product_name"].value == "云帆设备数据采集平台V1.0"
    assert f["holder"].value == "济南云帆信息科技有限公司"
    assert f["issue_date"].value == "2021-08-01"
    assert "valid_until" not in f


def test_test_report() -> None:
    ex = extract_test_report(
        [
            page(
                [
                    L("软件产品测试报告", 500, 200, h=80, cw=60),
                    L("报告编号：JNTC-2021-0789", 200, 320, cw=30),
                    L("产品名称：云帆设备数据采集平台", 200, 420, cw=30),
                    L("检测单位：山东省某某软件评测中心", 200, 520, cw=30),
                    L("报告日期：2021年09月15日", 200, 620, cw=30),
                ]
            )
        ]
    )
    f = ex.fields
    assert f["title"].value == "软件产品测试报告"
    assert f["report_number"].value == "JNTC-2021-0789"
    assert f["product"].value == "云帆设备数据采集平台"
    assert f["testing_body"].value == "山东省某某软件评测中心"
    assert f["report_date"].value == "2021-09-15"
