"""Seals judged for a dossier: whose seal it is, missing and mismatched seals, copied impressions,
broken riding seams (no OCR: seals are built by hand or from drawn impressions)."""

from __future__ import annotations

import cv2
import numpy as np

from evaluation.seals import (
    name_similarity,
    reuse_flags,
    riding_seam_flags,
    riding_seams,
    seal_flags,
    seals_of_party,
)
from extractors.seals import find_impressions, seal_from_impression
from models.domain import Applicant, Document, FieldValue, Seal
from models.enums import DocumentType, FlagCode, SealShape
from tests.extractors.test_seals import SAMPLES, _paste, _seal_crop, draw_seal, page

SELLER = "山东泺源云计算有限公司"
SELLER_ID = "91370100MA949D4H6D"


def seal(page_no: int = 1, arc: str = SELLER, tax_id: str | None = SELLER_ID, kind: str | None = "发票专用章",
         confidence: float = 0.9, shape: SealShape = SealShape.oval, sid: str = "s-1") -> Seal:
    return Seal(id=sid, page=page_no, bbox=(10, 10, 100, 80), shape=shape, arc_text=arc, text=arc, tax_id=tax_id,
                kind=kind, confidence=confidence)


def invoice(kind: str = "paper_special", seller: str = SELLER, seller_id: str = SELLER_ID, pages: list[int] | None = None
            ) -> Document:
    pages = pages or [1]
    return Document(id="d-inv", document_type=DocumentType.vat_invoice, pages=pages, fields={
        "invoice_kind": FieldValue(value=kind, page=pages[0]),
        "seller_name": FieldValue(value=seller, page=pages[0], finding_id="f-seller"),
        "seller_tax_id": FieldValue(value=seller_id, page=pages[0], finding_id="f-sellerid"),
    })


def contract(signature_page: int | None = 2) -> Document:
    return Document(id="d-con", document_type=DocumentType.contract, pages=[1, 2], facts={"signature_page": signature_page},
                    fields={"party_a": FieldValue(value="济南舜耕智能装备有限公司", page=1, finding_id="f-a"),
                            "party_b": FieldValue(value=SELLER, page=1, finding_id="f-b")})


APPLICANT = Applicant(name="济南舜耕智能装备有限公司")


def codes(flags: list) -> list[str]:
    return [f.code for f in flags]


def test_an_invoice_with_its_sellers_seal_raises_nothing_even_with_ocr_slips() -> None:
    assert seal_flags([invoice()], [seal(arc="山东深源云计算有限公司", tax_id="91370100MA949D4H60")], APPLICANT) == []


def test_an_invoice_without_a_seller_seal_is_flagged_and_the_supervision_mark_does_not_count() -> None:
    flags = seal_flags([invoice()], [seal(arc="全国统一发票监制章", kind="监制", tax_id=None)], APPLICANT)
    assert codes(flags) == [FlagCode.seal_missing]
    assert flags[0].evidence == ["f-seller"]


def test_a_fully_digital_invoice_needs_no_seal() -> None:
    assert seal_flags([invoice(kind="fully_digital")], [], APPLICANT) == []


def test_a_seal_of_another_company_is_a_text_mismatch_with_evidence() -> None:
    flags = seal_flags([invoice()], [seal(arc="天津君和缘商贸有限公司", tax_id=None, sid="s-x")], APPLICANT)
    assert codes(flags) == [FlagCode.seal_text_mismatch]
    f = flags[0]
    assert f.evidence == ["s-x", "f-seller"] and f.values["seal_text"] == "天津君和缘商贸有限公司"
    assert f.values["expected"] == SELLER


def test_an_unreadable_seal_is_not_called_a_mismatch() -> None:
    assert seal_flags([invoice()], [seal(arc="月限公", tax_id=None, confidence=0.6)], APPLICANT) == []


def test_a_different_tax_id_on_the_seal_is_flagged() -> None:
    flags = seal_flags([invoice()], [seal(tax_id="91120222079642398Y", sid="s-t")], APPLICANT)
    assert codes(flags) == [FlagCode.seal_tax_id_mismatch]
    assert flags[0].evidence == ["s-t", "f-sellerid"] and flags[0].values["seal_tax_id"] == "91120222079642398Y"


def test_a_contract_signature_page_without_seals_is_flagged() -> None:
    assert codes(seal_flags([contract()], [], APPLICANT)) == [FlagCode.seal_missing]
    both = [seal(2, "济南舜耕智能装备有限公司", None, "合同专用章", shape=SealShape.round, sid="s-a"),
            seal(2, SELLER, None, "合同专用章", shape=SealShape.round, sid="s-b")]
    assert seal_flags([contract()], both, APPLICANT) == []
    stranger = [*both[:1], seal(2, "天津君和缘商贸有限公司", None, "合同专用章", shape=SealShape.round, sid="s-c")]
    assert codes(seal_flags([contract()], stranger, APPLICANT)) == [FlagCode.seal_text_mismatch]


def test_the_application_forms_seal_must_be_the_applicants() -> None:
    form = Document(id="d-form", document_type=DocumentType.application_form, pages=[1])
    ok = [seal(1, "济南舜耕智能装备有限公司", None, "公章", shape=SealShape.round)]
    bad = [seal(1, "济南明湖数码软件有限公司", None, "公章", shape=SealShape.round)]
    assert seal_flags([form], ok, APPLICANT) == []
    assert codes(seal_flags([form], bad, APPLICANT)) == [FlagCode.seal_text_mismatch]


def test_seals_of_party_tolerates_ocr_slips_and_ignores_the_supervision_mark() -> None:
    seals = [seal(arc="南舜耕智能装备有限公司", sid="s-1"), seal(arc=SELLER, sid="s-2"),
             seal(arc="济南舜耕智能装备有限公司", kind="监制", sid="s-3")]
    assert [s.id for s in seals_of_party(seals, "济南舜耕智能装备有限公司")] == ["s-1"]
    assert seals_of_party(seals, None) == []
    assert name_similarity(seals[0], "济南舜耕智能装备有限公司") > 85


# --- reuse ----------------------------------------------------------------------------------------


def _seal_of(image: np.ndarray, page_no: int) -> Seal:
    imp = find_impressions(image)[0]
    return seal_from_impression(image, imp, page_no, 1.0, [], arc_text=SELLER)


def test_one_impression_pasted_onto_two_documents_is_flagged() -> None:
    crop = _seal_crop()
    a = _seal_of(_paste(crop, (100, 120)), 3)
    b = _seal_of(_paste(crop, (640, 500)), 7)
    [flag] = reuse_flags([a, b])
    assert flag.code == FlagCode.reused_seal_impression and flag.pages == [3, 7]
    assert set(flag.evidence) == {a.id, b.id} and flag.severity == "high"


def test_two_genuine_stampings_of_one_seal_are_not_flagged() -> None:
    a_img, b_img = page(), page()
    draw_seal(a_img, (400, 500), (110, 110), seed=1)
    draw_seal(b_img, (380, 520), (112, 112), angle=4.0, seed=2)
    assert reuse_flags([_seal_of(a_img, 1), _seal_of(cv2.GaussianBlur(b_img, (3, 3), 0), 2)]) == []


def test_the_sample_dossiers_seals_are_not_copies_of_each_other() -> None:
    # the sample's seller seal, stamped on the scanned and on the photographed invoice
    scan = cv2.imread(str(SAMPLES / "06_发票扫描.png"))
    seals = [seal_from_impression(scan, imp, 10, 1.0, []) for imp in find_impressions(scan)]
    licence = cv2.imread(str(SAMPLES / "02_营业执照.jpg"))
    seals += [seal_from_impression(licence, imp, 4, 1.0, []) for imp in find_impressions(licence)]
    assert reuse_flags(seals) == []


# --- the riding seam ------------------------------------------------------------------------------


def seam_slice(page_no: int, y: float = 400.0) -> Seal:
    return Seal(id=f"s-{page_no}-{y}", page=page_no, bbox=(560, y - 60, 595, y + 60), shape=SealShape.round,
                riding_seam=True, partial=True)


def three_pages() -> Document:
    return Document(id="d-con3", document_type=DocumentType.contract, pages=[4, 5, 6])


HEIGHTS = {n: 842.0 for n in range(1, 10)}


def test_a_riding_seam_on_every_sheet_at_one_height_is_whole() -> None:
    seals = [seam_slice(4), seam_slice(5, 405), seam_slice(6, 398)]
    assert riding_seam_flags([three_pages()], seals, HEIGHTS) == []
    named = [sl.model_copy(update={"arc_text": part}) for sl, part in zip(seals, ("济南舜耕", "智能装备", "有限公司"),
                                                                                strict=True)]
    assert riding_seams([three_pages()], named[::-1]) == {"d-con3": {"pages": [4, 5, 6], "text": APPLICANT.name}}


def test_a_sheet_without_its_slice_breaks_the_seam() -> None:
    [flag] = riding_seam_flags([three_pages()], [seam_slice(4), seam_slice(6)], HEIGHTS)
    assert flag.code == FlagCode.riding_seam_broken and flag.pages == [5]
    assert flag.values["missing"] == [5] and flag.values["seam_pages"] == [4, 6]
    assert flag.evidence == ["s-4-400.0", "s-6-400.0"]


def test_a_slice_at_another_height_breaks_the_seam() -> None:
    [flag] = riding_seam_flags([three_pages()], [seam_slice(4), seam_slice(5, 600), seam_slice(6)], HEIGHTS)
    assert flag.values["misaligned"] == [5] and flag.pages == [5]


def test_one_slice_proves_a_seam_only_in_a_two_page_document() -> None:
    two = Document(id="d-two", document_type=DocumentType.contract, pages=[1, 2])
    [flag] = riding_seam_flags([two], [seam_slice(1)], HEIGHTS)
    assert flag.values["missing"] == [2]
    # in a longer document the other slices may be too narrow to see: no evidence of a gap
    assert riding_seam_flags([three_pages()], [seam_slice(4)], HEIGHTS) == []


def test_a_seam_slice_is_not_taken_for_a_partys_seal() -> None:
    # the signature page carries only a slice of the seam: the parties' seals are missing
    flags = seal_flags([contract()], [seam_slice(2)], APPLICANT)
    assert [f.code for f in flags] == [FlagCode.seal_missing]


def test_a_licences_registration_authority_is_read_from_its_seal_when_not_printed_apart() -> None:
    from evaluation.seals import licence_authority_from_seals

    licence = Document(id="d1", document_type=DocumentType.business_license, pages=[4])
    authority = Seal(page=4, bbox=(500, 700, 700, 900), name="上海市金山区市场监督管理局", confidence=0.7,
                     confirmed=True, confirmed_by=["name: p4 division + office"])
    other_page = Seal(page=5, bbox=(0, 0, 10, 10), name="上海市闵行区市场监督管理局", confidence=0.95)
    company = Seal(page=4, bbox=(0, 0, 10, 10), name="上海某某科技有限公司", confidence=0.95)
    (finding,) = licence_authority_from_seals([licence], [authority, other_page, company])
    assert licence.value("registration_authority") == "上海市金山区市场监督管理局"
    assert licence.fields["registration_authority"].bbox == authority.bbox and finding.detail["seal"] == authority.id
    # an unconfirmed, doubtful reading says nothing; a printed 登记机关 is never replaced
    doubtful = Document(id="d2", document_type=DocumentType.business_license, pages=[4])
    assert licence_authority_from_seals([doubtful], [authority.model_copy(update={"confirmed": False})]) == []
    assert licence_authority_from_seals([licence], [authority]) == []
