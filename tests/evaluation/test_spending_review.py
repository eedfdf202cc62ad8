"""Spending counts an invoice only when its amount is unambiguous; the others wait for a person."""

from __future__ import annotations

from evaluation import checklist
from models.domain import Document
from models.enums import Status
from tests.evaluation.test_checklist import dossier, invoice, licence, status

ITEM = "eligibility.cloud_spending_since_cutoff"


def failed(doc: Document, *checks: str) -> Document:
    doc.facts["checks"] = [{"check": c, "ok": False, "values": {}} for c in checks]
    return doc


def test_an_invoice_whose_words_differ_from_its_figures_is_held_for_review() -> None:
    d = dossier([licence(), invoice(3, "2020-04-15", "21200.00"),
                 failed(invoice(4, "2020-09-16", "3180.60"), "amount_words_equal_figures")])
    assert (d.spending.total, d.spending.invoice_count) == ("21200.00", 1)
    assert (d.spending.needs_review_count, d.spending.needs_review_total) == (1, "3180.60")
    held = d.spending.invoices[1]
    assert (held.status, held.counted) == ("needs_review", False)
    assert "大写与小写不一致" in held.reason
    result = next(r for r in checklist.evaluate(d) if r.item_id == ITEM)
    assert result.status == Status.met and "待人工复核" in result.reason and "第 4 页" in result.reason


def test_arithmetic_that_does_not_hold_is_review_and_alone_it_is_not_met() -> None:
    d = dossier([licence(), failed(invoice(3, "2020-04-15", "21200.00"), "amount_plus_tax_equals_total")])
    assert d.spending.total == "0.00" and d.spending.invoices[0].status == "needs_review"
    assert status(d, ITEM) == Status.needs_review


def test_an_excluded_invoice_says_why_in_chinese_and_is_not_review() -> None:
    d = dossier([licence(), invoice(3, "2020-04-15", "100.00"),
                 failed(invoice(5, "2020-11-10", "5000.00", buyer="别的公司"), "amount_words_equal_figures")])
    other = d.spending.invoices[1]
    assert other.status == "excluded" and other.reason.startswith("不计入") and "购买方" in other.reason
    assert d.spending.invoices[0].reason == "计入" and d.spending.needs_review_count == 0


def test_checks_that_hold_do_not_hold_an_invoice_back() -> None:
    clean = invoice(3, "2020-04-15", "100.00")
    clean.facts["checks"] = [{"check": "amount_words_equal_figures", "ok": True, "values": {}}]
    d = dossier([licence(), clean])
    assert d.spending.invoices[0].status == "counted" and d.spending.total == "100.00"
