"""The report's Seal for one impression: what the seal is for (its kind and use) and the taxpayer
id across it, from the words read on it; how sure the report is of it; its mask, fingerprint
and a small picture.
"""

from __future__ import annotations

import base64
import re

import cv2
import numpy as np
from rapidfuzz import fuzz

from extractors.codes import tax_id_valid
from extractors.seals.detect import Impression
from extractors.seals.fingerprint import encode_mask, fingerprint, impression_mask
from models.domain import BBox, Seal, TextLine, stable_id
from models.enums import SealShape

SEAL_KINDS = ("发票专用章", "合同专用章", "财务专用章", "业务专用章", "公章", "监制")
SUPERVISION_WORDS = ("监制", "税务局", "税务总局", "国家税务", "全国统一")


def crop_png(image: np.ndarray, imp: Impression, max_side: int = 96) -> str:
    """A small PNG of the impression as it looks on the page (base64), for the report."""
    x0, y0, x1, y1 = imp.bbox
    crop = image[y0:y1, x0:x1]
    if crop.size == 0:
        return ""
    k = min(1.0, max_side / max(crop.shape[:2]))
    if k < 1:
        crop = cv2.resize(crop, (max(1, int(crop.shape[1] * k)), max(1, int(crop.shape[0] * k))), interpolation=cv2.INTER_AREA)
    # a scan's grain makes a photo-like PNG large; 16 levels a channel keep the look at a third
    crop = (crop // 16) * 16 + 8
    # zlib level 6: 2 % larger than 9 on seal crops, in a sixth of the time (0.7 against 4.5 ms)
    ok, buf = cv2.imencode(".png", crop, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    return base64.b64encode(buf.tobytes()).decode("ascii") if ok else ""


TAX_ID = re.compile(r"[0-9A-Z]{15,20}")


def seal_kind(arc_text: str, center_text: str, shape: SealShape, supervision_position: bool) -> str | None:
    """What the seal is for, from its words (and, for the tax bureau's mark, where it sits)."""
    words = (arc_text + center_text).replace(" ", "")
    if any(w in words for w in SUPERVISION_WORDS) or (supervision_position and "公司" not in arc_text):
        return "监制"
    for kind in SEAL_KINDS:
        if kind in words:
            return kind
    for kind in SEAL_KINDS[:4]:  # one character misread: 合询专用章, 发需专用章
        if fuzz.partial_ratio(kind, words) >= 80:
            return kind
    if shape == SealShape.oval and TAX_ID.search(center_text.replace(" ", "").upper()):
        return "发票专用章"  # an oval seal with a taxpayer id across is the seller's, however its use reads
    if shape == SealShape.square:
        return "personal"
    if arc_text:
        return "公章"
    return None


def seal_from_impression(image: np.ndarray, imp: Impression, page: int, scale: float, lines: list[TextLine],
                         arc_text: str = "", center_text: str = "", arc_confidence: float = 0.0,
                         arc_hidden: list[int] | None = None) -> Seal:
    """The report's Seal for one impression, with what was read from it (``arc_hidden``: positions
    in ``arc_text`` of characters hidden under print, confirmed against a printed name)."""
    x0, y0, x1, y1 = (v / scale for v in imp.bbox)
    box: BBox = (round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1))
    if not center_text:
        # the page's own lines inside the box are mostly print under the seal: keep only what a
        # seal says (its use, a taxpayer id)
        inner = [ln.text for ln in lines if _inside(ln.bbox, box) and not _mostly_same(ln.text, arc_text)]
        center_text = " ".join(t for t in inner if any(k in t.replace(" ", "") for k in SEAL_KINDS)
                               or TAX_ID.fullmatch(t.replace(" ", "").upper()))
    tax_id = _tax_id_in(center_text)
    h, w = image.shape[:2]
    cx, cy = imp.center
    supervision_position = imp.shape == SealShape.oval and cy < 0.22 * h and abs(cx - w / 2) < 0.2 * w
    kind = seal_kind(arc_text, center_text, imp.shape, supervision_position)
    # the seal's use in its proper words even where one character was misread (合询专用章)
    use = kind if kind in SEAL_KINDS[:4] else _kind_words(center_text)
    text = " ".join(t for t in (arc_text, use) if t).strip() or center_text
    mask = impression_mask(image, imp)
    return Seal(
        id=stable_id("s", page, tuple(round(v) for v in box)), page=page, bbox=box, shape=imp.shape,
        color=imp.color, text=text, kind=kind, confidence=seal_confidence(imp, arc_text, arc_confidence),
        arc_text=arc_text, arc_hidden=arc_hidden or [], center_text=center_text, tax_id=tax_id,
        name=arc_text, use=seal_use(kind, center_text),
        partial=imp.partial, riding_seam=imp.riding_seam(w),
        fingerprint=fingerprint(mask), mask=encode_mask(mask), crop_png=crop_png(image, imp),
    )


def seal_use(kind: str | None, center_text: str) -> str:
    """What the seal is for, in the words it would be stamped with: a special-purpose seal's
    proper name (发票专用章 even where one character was misread), other 专用章 words the seal
    carries (登记专用章), 公章 for a company's general seal; "" for a name seal or the tax
    bureau's mark."""
    if kind in SEAL_KINDS[:4]:
        return kind
    words = re.findall(r"[\u4e00-\u9fff]*专用章", center_text.replace(" ", ""))
    if words:
        return max(words, key=len)
    return kind if kind == "公章" else ""


def seal_confidence(imp: Impression, arc_text: str, arc_confidence: float) -> float:
    """How sure the report is of a seal: of the impression (its rim inked all round and inside
    the page) and, when its name was read, of the reading."""
    base = 0.5 + 0.4 * imp.coverage * min(1.0, imp.inside / 0.9)
    return round(base if not arc_text else 0.5 * base + 0.5 * arc_confidence, 2)


def _tax_id_in(center_text: str) -> str | None:
    """The taxpayer id across the seal: a code whose check character holds if there is one (an
    id read right), else the longest code-like run (shown, but too unsure to judge by)."""
    runs = TAX_ID.findall(center_text.replace(" ", "").upper())
    for run in runs:
        for length in (18, 20, 15):
            for i in range(len(run) - length + 1):
                if tax_id_valid(run[i:i + length]):
                    return run[i:i + length]
    return max(runs, key=len)[:20] if runs else None


def _kind_words(center_text: str) -> str:
    """The centre text less the taxpayer id (which has its own field)."""
    return " ".join(TAX_ID.sub("", center_text).split())


def _mostly_same(a: str, b: str) -> bool:
    a, b = a.replace(" ", ""), b.replace(" ", "")
    return bool(a and b) and (a in b or b in a)


def _inside(line: BBox, box: BBox) -> bool:
    cx, cy = (line[0] + line[2]) / 2, (line[1] + line[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]
