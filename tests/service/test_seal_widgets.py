"""Seals that exist only as the appearance of a PDF signature widget (how many e-signed
documents carry their seal) are drawn when the page is rendered, and so are found."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from extractors.seals import find_impressions
from models.domain import ReportError
from models.enums import SealShape
from service.ingest import RawPage, collect_files, iter_pages, render_pdf_page
from service.settings import Settings
from tests.extractors.test_seals import draw_seal


def signed_pdf(seal: np.ndarray, rect: tuple[int, int, int, int] = (330, 90, 490, 250)) -> bytes:
    """A one-page A4 PDF whose page content is empty and whose only ink is a signature field's
    widget, its normal appearance an image of ``seal`` (BGR)."""
    h, w = seal.shape[:2]
    rgb = np.ascontiguousarray(seal[..., ::-1]).tobytes()
    x0, y0, x1, y1 = rect
    form = f"q {x1 - x0} 0 0 {y1 - y0} 0 0 cm /Im1 Do Q".encode()
    image = zlib.compress(rgb)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R /Annots [5 0 R] >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
        f"<< /Type /Annot /Subtype /Widget /FT /Sig /T (seal) /F 4 /P 3 0 R /Rect [{x0} {y0} {x1} {y1}] "
        f"/AP << /N 6 0 R >> >>".encode(),
        f"<< /Type /XObject /Subtype /Form /BBox [0 0 {x1 - x0} {y1 - y0}] /Resources << /XObject << /Im1 7 0 R >> >> "
        f"/Length {len(form)} >>\nstream\n".encode() + form + b"\nendstream",
        f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB /BitsPerComponent 8 "
        f"/Filter /FlateDecode /Length {len(image)} >>\nstream\n".encode() + image + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_a_seal_drawn_only_in_a_signature_widget_is_found(tmp_path: Path) -> None:
    seal = np.full((320, 320, 3), 255, np.uint8)
    draw_seal(seal, (160, 160), (140, 140))
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_pdf(seal))
    settings = Settings(data_dir=tmp_path / "data")
    [source], errors = collect_files([path], settings)
    [raw] = [p for p in iter_pages(source, settings) if not isinstance(p, ReportError)]
    assert isinstance(raw, RawPage) and not errors
    image, scale = render_pdf_page(raw, settings.preview_dpi, settings)
    [imp] = find_impressions(image)
    assert imp.shape == SealShape.round
    # where the widget lies on the page (PDF y runs up; the image's down)
    x0, y0, x1, y1 = (v / scale for v in imp.bbox)
    assert abs((x0 + x1) / 2 - 410) < 8 and abs((y0 + y1) / 2 - (842 - 170)) < 8
    # the page's own content has no seal: without the form layer nothing is found
    bare = raw.pdf_page_render.render(scale=scale, may_draw_forms=False).to_numpy()  # type: ignore[attr-defined]
    assert find_impressions(np.ascontiguousarray(bare[..., :3])) == []
