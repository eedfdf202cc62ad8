"""Cloud-deployment statement: title, the two parties, the date."""

from __future__ import annotations

from extractors.deployment_statement import extract_deployment_statement
from models.domain import PageText, TextLine


def L(text: str, x: float, y: float, h: float = 24, cw: float = 20) -> TextLine:
    return TextLine(text=text, bbox=(x, y, x + cw * len(text), y + h), confidence=0.99)


def test_statement() -> None:
    lines = [
        L("云服务部署应用情况说明", 400, 120, h=40, cw=36),
        L("我公司使用浪潮云提供的云服务器和云数据库服务，系统部署于云端。", 120, 300),
        L("申报企业（盖章）：济南云帆信息科技有限公司", 120, 1300),
        L("云服务商（盖章）：浪潮云信息技术股份公司", 120, 1400),
        L("2020年11月2日", 900, 1500),
    ]
    ex = extract_deployment_statement([PageText(page=9, width=1240, height=1754, lines=lines)])
    assert ex.fields["title"].value == "云服务部署应用情况说明"
    assert ex.fields["applicant"].value == "济南云帆信息科技有限公司"
    assert ex.fields["provider"].value == "浪潮云信息技术股份公司"
    assert ex.fields["date"].value == "2020-11-02" and ex.fields["date"].page == 9
    assert ex.facts["parties"] == {
        "applicant": "济南云帆信息科技有限公司",
        "provider": "浪潮云信息技术股份公司",
    }
    assert ex.facts["cloud_wording"] is True
