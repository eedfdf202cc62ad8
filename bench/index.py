"""Evidence-index lookup benchmark: one dossier checked against N stored ones.

    .venv/bin/python bench/index.py [--dossiers 10000] [--database-url postgresql://...]

Fills a fresh store with N generated dossiers (16 pages, 4 invoices and 3 seals each: random
perceptual hashes and invoice keys, as the index holds them), then times the cross-dossier
lookup of new dossiers against it: a clean one, and one that repeats an invoice and a page of a
stored dossier. Prints dossiers indexed, index rows, and milliseconds per lookup (median, max).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func  # noqa: E402
from sqlmodel import select  # noqa: E402

from models.domain import Applicant, Document, PageInfo, PageText, TextLine  # noqa: E402
from models.enums import DocumentType, TextSource  # noqa: E402
from models.evidence import DossierEvidence  # noqa: E402
from models.tables import DossierRow, ImageHashRow, InvoiceKeyRow, PageRow  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.store import Store  # noqa: E402
from service.store.index import IndexEntries, _hash_row, cross_dossier_flags, image_hash, text_hash  # noqa: E402

PAGES, INVOICES, SEALS = 16, 4, 3


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def _image(rng: random.Random) -> bytes:
    """A small page-like picture whose perceptual hash is as random as a real page's."""
    pixels = np.full((220, 160), 255, np.uint8)
    for _ in range(24):
        y, x = rng.randrange(200), rng.randrange(120)
        pixels[y:y + rng.randrange(4, 20), x:x + rng.randrange(10, 40)] = rng.randrange(0, 160)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _text(dossier_id: str, page: int) -> PageText:
    return PageText(page=page, width=595, height=842,
                    lines=[TextLine(text=f"{dossier_id} 云服务合同 第{page}页 甲方 乙方 服务期限", bbox=(0, 0, 1, 1))])


def fill(store: Store, n: int, rng: random.Random, repeated_page: bytes) -> tuple[str, str]:
    """N stored dossiers; returns one stored (dossier id, invoice key) to repeat, whose page 3 is
    ``repeated_page``."""
    start = datetime.now(UTC) - timedelta(days=30)
    keep = ("", "")
    with store.session() as session:
        for i in range(n):
            dossier_id = f"{i:016x}"
            who = Applicant(name=f"企业{i}", credit_code=f"91370100{i:08d}XX")
            session.add(DossierRow(id=dossier_id, programme="jinan-star-cloud-2020", status="ok",
                                   created_at=start + timedelta(seconds=i), applicant_name=who.name))
            session.flush()
            rows: list = []
            for k in range(INVOICES):
                key = f"0370{rng.randrange(10**8):08d}-{rng.randrange(10**8):08d}"
                rows.append(InvoiceKeyRow(dossier_id=dossier_id, key=key, document_id=f"d{k}", page=k + 1,
                                          applicant_key=who.credit_code or "", applicant_name=who.name or ""))
            for p in range(1, PAGES + 1):
                text = _text(dossier_id, p)
                h = _hex(rng)
                if i == n // 2 and p == 3:
                    h = image_hash(repeated_page) or h
                    keep = (dossier_id, rows[0].key)
                rows.append(_hash_row(dossier_id, "page", p, h, who, text_sha256=text_hash(text)))
                rows.append(PageRow(dossier_id=dossier_id, number=p, file="x.pdf", file_page=p, document_type="other",
                                    text_source="ocr", text_sha256=text_hash(text), info={}, text=text.model_dump(mode="json")))
            for s in range(SEALS):
                rows.append(_hash_row(dossier_id, "seal", s + 1, _hex(rng), who, ref=f"s{s}"))
            session.add_all(rows)
            if i % 500 == 499:
                session.commit()
        session.commit()
    return keep


def new_dossier(rng: random.Random, repeat: tuple[str, str] | None,
                repeated_page: bytes) -> tuple[DossierEvidence, dict[int, bytes]]:
    """A dossier to check: fresh pages and invoices, or repeating a stored invoice and page 3."""
    docs = []
    for k in range(INVOICES):
        key = repeat[1] if repeat and k == 0 else f"0370{rng.randrange(10**8):08d}-{rng.randrange(10**8):08d}"
        docs.append(Document(id=f"new{k}", document_type=DocumentType.vat_invoice, pages=[k + 1],
                             facts={"invoice_key": key}))
    texts = [_text(repeat[0] if repeat and p == 3 else "new", p) for p in range(1, PAGES + 1)]
    pages = [PageInfo(page=p, file="n.pdf", file_page=p, width=595, height=842, text_source=TextSource.ocr)
             for p in range(1, PAGES + 1)]
    previews = {p: repeated_page if repeat and p == 3 else _image(rng) for p in range(1, PAGES + 1)}
    return DossierEvidence(pages=pages, texts=texts, documents=docs), previews


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Settings(data_dir=Path(tmp), database_url=args.database_url))
        started = time.perf_counter()
        repeated_page = _image(rng)
        keep = fill(store, args.dossiers, rng, repeated_page)
        filled = time.perf_counter() - started
        with store.session() as session:
            rows = sum(session.exec(select(func.count()).select_from(t)).one() for t in (ImageHashRow, InvoiceKeyRow))
        print(f"backend: {store.engine.dialect.name}")
        print(f"dossiers indexed: {args.dossiers}  index rows: {rows}  (filled in {filled:.1f} s)")
        for label, repeat in (("clean dossier", None), ("dossier repeating a stored invoice", keep)):
            times = []
            found = 0
            for _ in range(args.lookups):
                evidence, previews = new_dossier(rng, repeat, repeated_page)
                with store.session() as session:
                    t = time.perf_counter()
                    entries = IndexEntries("", Applicant(name="新企业"), evidence, previews)
                    flags = cross_dossier_flags(session, entries, evidence)
                    times.append((time.perf_counter() - t) * 1000)
                found += len(flags)
            print(f"{label}: {statistics.median(times):.1f} ms median, {max(times):.1f} ms max per lookup "
                  f"({INVOICES} invoice keys + {PAGES} page images each, hashing included); flags {found} in {args.lookups} lookups")


if __name__ == "__main__":
    main()
