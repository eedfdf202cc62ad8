"""The terminal summary of ``evidence-check check`` speaks Chinese, with the stable codes beside."""

from __future__ import annotations

from service.cli import _summary
from tests.factories import make_report
from tests.reports.english import english_sentences


def test_the_summary_is_chinese_and_names_invoices_held_for_review() -> None:
    report = make_report()
    held = report.spending.invoices[0].model_copy(update={
        "status": "needs_review", "counted": False, "pages": [11], "grand_total": "3180.60",
        "reason": "待人工复核，暂不计入：价税合计大写与小写不一致"})
    text = _summary(make_report(spending=report.spending.model_copy(update={"invoices": [held]})), [])
    assert english_sentences(text) == []
    assert "第 11 页发票 ¥3180.60：待人工复核，暂不计入：价税合计大写与小写不一致" in text
    assert "[高 high] buyer_not_applicant 第 5 页：" in text
