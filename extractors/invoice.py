"""VAT invoices (增值税发票 in all their forms): fields by layout, and the arithmetic that must hold.

The reader works on the geometry of the page, not on its joined text:

* the item table's header row (``货物或应税劳务、服务名称 … 金额 税率 税额``, or ``项目名称`` on
  数电票 and toll invoices) splits the page: the buyer block is above it, the 合计 row and the
  价税合计 row close it, the seller block is below them. On 数电票 both parties sit above the
  table side by side, so buyer and seller are told apart by their horizontal position;
* a label's value is read in its own box or in the boxes that follow it on its row
  (``名`` … ``称：某某公司``; ``开票日期：2019`` ``05 08``);
* amounts are assigned to columns by the x positions of the header cells, or, on an item row, by
  their position relative to the tax rate (amount left of it, tax right of it).

Every field is recorded with ``Extraction.set_field`` (page, box, confidence); every check that
could be evaluated is listed in ``facts["checks"]`` and every failed one is a ``Problem``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from extractors.amounts import (
    UPPER_DIGITS,
    format_money,
    names_money_unit,
    parse_amount,
    parse_amount_words,
    standard_numerals,
)
from extractors.base import Extraction, Problem
from extractors.codes import normalize_code, repair_credit_code, tax_id_valid
from extractors.dates import find_dates
from extractors.layout import cy, height, right_of, sub_bbox, v_overlap, value_after_label
from extractors.layout_extra import RowString, Token, row_string, text_rows, tokens
from extractors.text import close_name, compact, normalize, normalize_with_offsets, original_span
from models.domain import BBox, LineItem, PageText, TextLine, union_bbox
from models.enums import DocumentType, FlagCode, Severity, TextSource

name = "invoice"
document_types = (DocumentType.vat_invoice,)

CENT = Decimal("0.01")
# per item line, |tax - amount x rate| may differ by one cent (the tax system rounds per line)
LINE_TAX_TOLERANCE = Decimal("0.01")

# --- labels and value shapes ----------------------------------------------------------------
_CODE_LABEL = re.compile(r"发票代码")
_CODE_VALUE = re.compile(r"(?<!\d)(\d{12}|\d{10})(?!\d)")
_NUMBER_LABEL = re.compile(r"发票号码|^(?:N[oO0º°]?|№)\.?\s*(?=\d|$)")
_NUMBER_VALUE = re.compile(r"(?<!\d)(\d{20}|\d{8})(?!\d)")
_DATE_LABEL = re.compile(r"开票日期|填开日期")
_CHECK_LABEL = re.compile(r"校验码")
_CHECK_VALUE = re.compile(r"\d{20}")
_NAME_LABEL = re.compile(r"(?:名\s*称|^称)\s*[:：]?")
_NAME_LABEL_EXCLUDE = re.compile(r"项目|货物|服务名称|软件|商品|品名")
# OCR splits a long label into two boxes (纳税 | 人识别号：): the tail starts its own line, as 称 does
_TAX_LABEL = re.compile(
    r"(?:统一社会信用代码\s*/\s*)?纳税人识别号\s*[:：]?|统一社会信用代码\s*[:：]?|^\s*人?\s*识别号\s*[:：]"
)
_NOT_A_NAME = re.compile(r"地址|电话|开户行|账号|纳税人|识别号|密码|备注|名称|信用代码|^[备注密码区]$")
_TAX_ID_VALUE = re.compile(r"[0-9A-Z]{15,20}")
_SEPARATORS = " \t:：;；,，、"

_HEADER_AMOUNT = re.compile(r"金额")
_HEADER_RATE = re.compile(r"税率|征收率")
_HEADER_TAX = re.compile(r"税额")
_HEADER_NAME_END = re.compile(r"规格型号|车牌号|单位|数量|单价")
_TOTAL_ROW = re.compile(r"合计")
_NOT_TOTAL_ROW = re.compile(r"价税|大写|小写")
_GRAND_ROW = re.compile(r"价税合计|小写")
_GRAND_VALUE = re.compile(r"(?<![\d.])(¥?-?\d[\d,]*\.\d{2})(?!\d)")
_WORD_CHARS = f"零{UPPER_DIGITS}拾佰仟万亿圆元角分整正"
_WORDS_VALUE = re.compile(rf"[{_WORD_CHARS}]{{2,}}")
_MONEY_TOKEN = re.compile(r"^¥?-?\d[\d,]*\.\d{2}$")
_NUMBER_TOKEN = re.compile(r"^¥?-?\d[\d,]*(?:\.\d+)?$")
_RATE_TOKEN = re.compile(r"^(\d{1,2}(?:\.\d+)?)%$|^(免税|不征税)$")
_LIST_ITEM = re.compile(r"详见销货清单|详见清单")
_BUYER_WORD = re.compile(r"购买方|购方|买方|付款方|付款单位|受票方|购货单位")
_SELLER_WORD = re.compile(r"销售方|销方|卖方|收款方|收款单位|开票方|销货单位")
# a quota invoice (定额发票) prints its denomination in words, often with the figure beside it
_QUOTA = re.compile(r"定额(?:专用)?发票")
_DENOMINATION = re.compile(rf"[{_WORD_CHARS}]*[{UPPER_DIGITS}拾佰仟万][{_WORD_CHARS}]*[圆元][{_WORD_CHARS}]*")
_COMPANY = re.compile(r"(?:公司|厂|店|中心|合作社|事务所|商行|医院|大学|学院)$")
_NOT_SELLER = re.compile(r"税务局|监制|发票|国家")


@dataclass
class _Value:
    value: str
    raw: str
    bbox: BBox | None
    confidence: float
    page: int


@dataclass
class _Layout:
    """The anchors of one invoice page."""

    page: PageText
    rows: list[list[TextLine]]
    strings: list[RowString]
    header: int | None = None
    total: int | None = None
    grand: int | None = None
    columns: dict[str, float] = field(default_factory=dict)
    name_right: float | None = None

    def top(self, i: int | None) -> float | None:
        if i is None:
            return None
        return min(ln.bbox[1] for ln in self.rows[i])

    def bottom(self, i: int | None) -> float | None:
        if i is None:
            return None
        return max(ln.bbox[3] for ln in self.rows[i])


def _normalized_page(page: PageText) -> tuple[PageText, dict[int, str]]:
    """The page with normalised line texts, and each normalised line's original text by id."""
    lines = []
    originals: dict[int, str] = {}
    for ln in page.lines:
        norm = ln.model_copy(update={"text": normalize(ln.text)})
        if norm.text:
            lines.append(norm)
            originals[id(norm)] = ln.text
    return page.model_copy(update={"lines": lines}), originals


def _as_printed(value: _Value, line: TextLine, originals: dict[int, str]) -> _Value:
    """``value`` (read from the normalised ``line``) in the characters the page printed
    (full-width brackets in company names stay full-width)."""
    original = originals.get(id(line))
    if original is None:
        return value
    norm, offsets = normalize_with_offsets(original)
    idx = norm.find(value.value)
    if idx < 0:
        return value
    s, e = original_span(offsets, idx, idx + len(value.value))
    printed = original[s:e]
    return _Value(printed, printed, value.bbox, value.confidence, value.page)


def _layout(page: PageText) -> _Layout:
    rows_ = text_rows(page)
    lay = _Layout(page, rows_, [row_string(r) for r in rows_])
    for i, rs in enumerate(lay.strings):
        if _HEADER_AMOUNT.search(rs.text) and (
            _HEADER_TAX.search(rs.text) or _HEADER_RATE.search(rs.text) or re.search(r"单价|项目", rs.text)
        ):
            lay.header = i
            break
    start = lay.header + 1 if lay.header is not None else 0
    for i in range(start, len(lay.strings)):
        text = lay.strings[i].text
        if lay.total is None and _TOTAL_ROW.search(text) and not _NOT_TOTAL_ROW.search(text):
            lay.total = i
        if _GRAND_ROW.search(text):
            lay.grand = i
            break
    if lay.header is not None:
        hs = lay.strings[lay.header]
        for key, rx in (("amount", _HEADER_AMOUNT), ("rate", _HEADER_RATE), ("tax", _HEADER_TAX),
                        ("price", re.compile(r"单价")), ("quantity", re.compile(r"数量"))):
            m = rx.search(hs.text)
            if m:
                lay.columns[key] = hs.x_center(m.start(), m.end())
        m = _HEADER_NAME_END.search(hs.text)
        if m:
            # halfway between the name header and the next header cell
            start = hs.spans[m.start()][0]
            prev_end = hs.spans[m.start() - 1][1] if m.start() > 0 else start
            lay.name_right = (start + prev_end) / 2
    return lay


def _row_value(lay: _Layout, label: re.Pattern[str], value: re.Pattern[str], window: int = 40,
               rows_range: range | None = None) -> _Value | None:
    """A value following ``label`` in the characters of its row (labels and values split over boxes)."""
    indices = rows_range if rows_range is not None else range(len(lay.strings))
    for i in indices:
        rs = lay.strings[i]
        m = label.search(rs.text)
        if not m:
            continue
        vm = value.search(rs.text, m.end(), m.end() + window)
        if not vm:
            continue
        g = 1 if vm.groups() else 0
        start, end = vm.span(g)
        owners = {rs.owners[k] for k in range(start, end)}
        conf = min(rs.lines[o].confidence for o in owners)
        return _Value(vm.group(g), vm.group(g), rs.bbox(start, end), conf, lay.page.page)
    return None


def _line_value(page: PageText, label: re.Pattern[str], value: re.Pattern[str]) -> _Value | None:
    hit = value_after_label(page, label, value, look_right=True)
    if not hit:
        return None
    m = value.search(hit.text)
    text = m.group(1) if m and m.groups() else hit.text
    return _Value(text, hit.text, hit.bbox, hit.confidence, page.page)


# --- parties -------------------------------------------------------------------------------------


def _label_lines(page: PageText, rx: re.Pattern[str], exclude: re.Pattern[str] | None = None
                 ) -> list[tuple[TextLine, re.Match[str]]]:
    out = []
    for line in page.lines:
        m = rx.search(line.text)
        if m and not (exclude and exclude.search(line.text)):
            out.append((line, m))
    return sorted(out, key=lambda lm: (cy(lm[0].bbox), lm[0].bbox[0]))


def _clean_name(text: str) -> str | None:
    text = text.strip(_SEPARATORS)
    text = re.split(r"\s{2,}", text)[0].strip()
    # brackets around the whole value are no part of it; a name's own brackets must balance
    while len(text) > 1 and text[0] in "(（" and text[-1] in ")）":
        text = text[1:-1].strip()
    text = text.lstrip(")）").rstrip("(（")  # a stray bracket at either end, cut from a box beside
    if sum(1 for c in text if "\u4e00" <= c <= "\u9fff") < 2 or _NOT_A_NAME.search(text):
        return None
    return close_name(text)


def _clean_tax_id(text: str) -> str | None:
    code = normalize_code(text)
    m = _TAX_ID_VALUE.search(code)
    if not m or sum(c.isdigit() for c in m.group(0)) < 8:
        return None
    return m.group(0)


def _read_after(page: PageText, line: TextLine, m: re.Match[str], clean: Any,
                x_min: float, x_max: float) -> tuple[TextLine, _Value] | None:
    """The value of a label: the rest of its box, else the nearest suitable box to its right."""
    rest_start = m.end()
    while rest_start < len(line.text) and line.text[rest_start] in _SEPARATORS:
        rest_start += 1
    rest = line.text[rest_start:]
    if rest.strip():
        value = clean(rest)
        if value:
            return line, _Value(value, rest.strip(), sub_bbox(line, rest_start, len(line.text)),
                                line.confidence, page.page)
    h = height(line.bbox)
    for other in right_of(page, line, max_gap=6 * h):
        cx_ = (other.bbox[0] + other.bbox[2]) / 2
        if not (x_min <= cx_ < x_max):
            continue
        value = clean(other.text)
        if value:
            return other, _Value(value, other.text.strip(), other.bbox, other.confidence * 0.97, page.page)
    return None


def _parties(lay: _Layout, originals: dict[int, str]) -> dict[str, _Value]:
    """buyer_name, buyer_tax_id, seller_name, seller_tax_id by block position."""
    page = lay.page
    names = _label_lines(page, _NAME_LABEL, _NAME_LABEL_EXCLUDE)
    taxes = _label_lines(page, _TAX_LABEL)
    header_top = lay.top(lay.header)
    below_from = lay.bottom(lay.grand if lay.grand is not None else lay.total)
    if below_from is None and lay.header is not None:
        below_from = lay.bottom(lay.header)

    # 数电票: both name labels above the table on one row -> left buyer, right seller
    split_x: float | None = None
    above = [lm for lm in names if header_top is None or cy(lm[0].bbox) < header_top]
    for a in above:
        for b in above:
            if b[0].bbox[0] > a[0].bbox[2] and v_overlap(a[0].bbox, b[0].bbox) >= 0.4:
                split_x = b[0].bbox[0] - 2 * height(b[0].bbox)
                break
        if split_x is not None:
            break

    # roll and machine-printed invoices name the party in the label itself (销售方名称：,
    # 购买方名称：); that beats any position, and a label without it belongs to the block of the
    # nearest such label above it in its column
    explicit = [(ln, _party_word(ln.text[: m.start()])) for ln, m in names + taxes]
    explicit = [(ln, party) for ln, party in explicit if party]

    def party_of(line: TextLine, ordered: list[tuple[TextLine, re.Match[str]]]) -> str | None:
        c = cy(line.bbox)
        if explicit:
            own = next((party for ln, party in explicit if ln is line), None)
            if own:
                return own
            h = height(line.bbox)
            above_ = [(ln, party) for ln, party in explicit
                      if cy(ln.bbox) < c and abs(ln.bbox[0] - line.bbox[0]) < 3 * h]
            if above_:
                return max(above_, key=lambda lp: cy(lp[0].bbox))[1]
        if split_x is not None and (header_top is None or c < header_top):
            return "seller" if line.bbox[0] >= split_x else "buyer"
        if header_top is not None:
            if c < header_top:
                return "buyer"
            if below_from is not None and c > below_from:
                return "seller"
            return None
        # no table found: the first label from the top is the buyer's, the last the seller's
        if line is ordered[0][0]:
            return "buyer"
        if line is ordered[-1][0]:
            return "seller"
        return None

    out: dict[str, _Value] = {}
    for key, labels, clean in (("name", names, _clean_name), ("tax_id", taxes, _clean_tax_id)):
        for line, m in labels:
            party = party_of(line, labels)
            if party is None or f"{party}_{key}" in out:
                continue
            x_min, x_max = float("-inf"), float("inf")
            if split_x is not None and party == "seller":
                x_min = split_x
            elif split_x is not None:
                x_max = split_x
            found = _read_after(page, line, m, clean, x_min, x_max)
            if found:
                source, value = found
                out[f"{party}_{key}"] = _as_printed(value, source, originals) if key == "name" else value
    return out


def _party_word(text: str) -> str | None:
    """``buyer`` or ``seller`` when a label's own text names the party (购买方名称, 收款单位)."""
    if _SELLER_WORD.search(text):
        return "seller"
    if _BUYER_WORD.search(text):
        return "buyer"
    return None


def _unlabelled_seller(lay: _Layout, before_y: float) -> _Value | None:
    """Machine-printed invoices print the seller's name under the code, without a label."""
    for line in sorted(lay.page.lines, key=lambda ln: cy(ln.bbox)):
        if cy(line.bbox) >= before_y:
            break
        text = line.text.strip()
        if ":" in text or "：" in text or _NOT_SELLER.search(text):
            continue
        if _COMPANY.search(text) and _clean_name(text):
            return _Value(text, text, line.bbox, line.confidence * 0.8, lay.page.page)
    return None


# --- amounts -------------------------------------------------------------------------------------


def _money_tokens(row: list[TextLine]) -> list[Token]:
    out = []
    for line in row:
        for tok in tokens(line):
            if _MONEY_TOKEN.match(tok.text):
                out.append(tok)
    return out


def _total_row_tokens(lay: _Layout) -> list[Token]:
    """Money on the 合计 row. Photos are skewed: the amounts far right of the 合计 label may sit
    half a line higher or lower, so take any line overlapping the label's band, except the lines
    of the item rows above and of the 价税合计 row."""
    assert lay.total is not None
    row = lay.rows[lay.total]
    label = [ln for ln in row if re.search(r"[合计]", ln.text)] or row
    band = union_bbox([ln.bbox for ln in label])
    assert band is not None
    excluded = {id(ln) for ln in lay.rows[lay.grand]} if lay.grand is not None else set()
    if lay.header is not None:
        excluded |= {id(ln) for r in lay.rows[: lay.header + 1] for ln in r}
    lines = [
        ln for ln in lay.page.lines
        if id(ln) not in excluded and (ln in row or v_overlap(ln.bbox, band) >= 0.3) and ln.bbox[0] > band[0]
    ]
    toks = _money_tokens(lines)
    with_yen = [t for t in toks if t.text.startswith("¥")]
    return with_yen or toks


def _totals(lay: _Layout) -> dict[str, _Value]:
    out: dict[str, _Value] = {}
    page_no = lay.page.page
    if lay.total is not None:
        toks = sorted(_total_row_tokens(lay), key=lambda t: t.cx)
        amount_tok: Token | None = None
        tax_tok: Token | None = None
        if len(toks) >= 2:
            if "amount" in lay.columns and "tax" in lay.columns:
                amount_tok = min(toks, key=lambda t: abs(t.cx - lay.columns["amount"]))
                tax_tok = min(toks, key=lambda t: abs(t.cx - lay.columns["tax"]))
                if amount_tok is tax_tok:
                    amount_tok, tax_tok = toks[-2], toks[-1]
            else:
                amount_tok, tax_tok = toks[-2], toks[-1]
        elif len(toks) == 1:
            tok = toks[0]
            if "tax" in lay.columns and "amount" in lay.columns and abs(tok.cx - lay.columns["tax"]) < abs(
                tok.cx - lay.columns["amount"]
            ):
                tax_tok = tok
            else:
                amount_tok = tok
        for key, tok in (("amount_total", amount_tok), ("tax_total", tax_tok)):
            if tok is None:
                continue
            value = parse_amount(tok.text)
            if value is not None:
                out[key] = _Value(format_money(value), tok.text, tok.bbox, tok.line.confidence, page_no)
    start = lay.header + 1 if lay.header is not None else 0
    grand = _row_value(lay, re.compile(r"小写"), _GRAND_VALUE, window=30, rows_range=range(start, len(lay.rows)))
    if grand is None and lay.grand is not None:
        toks = sorted(_money_tokens(lay.rows[lay.grand]), key=lambda t: t.cx)
        if toks:
            tok = toks[-1]
            grand = _Value(tok.text, tok.text, tok.bbox, tok.line.confidence * 0.9, page_no)
    if grand is not None:
        value = parse_amount(grand.raw)
        if value is not None:
            out["grand_total"] = _Value(format_money(value), grand.raw, grand.bbox, grand.confidence, page_no)
    words = _row_value(lay, re.compile(r"大写"), _WORDS_VALUE, window=40)
    if words is not None:
        # the value in the financial numerals every invoice prints (参 is read for 叁); raw keeps the reading
        words = _Value(standard_numerals(words.value), words.raw, words.bbox, words.confidence, words.page)
        # words cut short by a misread character (捌佰 of 捌佰来拾玖, 来 read for 柒) are no amount:
        # they stand where they run to a money unit or agree with the figures
        grand_value = parse_amount(out["grand_total"].value) if "grand_total" in out else None
        agrees = grand_value is not None and parse_amount_words(words.value) == grand_value
        if names_money_unit(words.value) or agrees:
            out["grand_total_words"] = words
        else:
            words = None
    if "grand_total" not in out and words is not None:
        figure = _figure_equal_to_words(lay, words)
        if figure is not None:
            out["grand_total"] = figure
    if "grand_total" not in out and _QUOTA.search(lay.page.text):
        out.update(_quota_total(lay))
    _totals_by_sum(lay, out)
    return out


def _quota_total(lay: _Layout) -> dict[str, _Value]:
    """A quota invoice's value: its denomination in words (壹拾圆), the only one on the page, and
    the figure printed beside it when there is one that agrees."""
    found: dict[Decimal, _Value] = {}
    for line in lay.page.lines:
        for m in _DENOMINATION.finditer(compact(line.text)):
            value = parse_amount_words(m.group(0))
            if value is not None and value > 0:
                found.setdefault(value, _Value(m.group(0), m.group(0), line.bbox, line.confidence, lay.page.page))
    if len(found) != 1:
        return {}
    value, words = next(iter(found.items()))
    figure = _figure_equal_to_words(lay, words)
    grand = figure or _Value(format_money(value), words.raw, words.bbox, words.confidence * 0.9, words.page)
    return {"grand_total": grand, "grand_total_words": words}


def _figure_equal_to_words(lay: _Layout, words: _Value) -> _Value | None:
    """The grand total where no 小写 / 价税合计 label survived (quota and roll invoices print the
    figure on its own, OCR loses labels): the one figure on the page equal to the amount in words."""
    value = parse_amount_words(words.value)
    if value is None or value <= 0:
        return None
    equal = [t for row in lay.rows for t in _money_tokens(row) if parse_amount(t.text) == value]
    if not equal:
        return None
    tok = max(equal, key=lambda t: (t.text.startswith("¥"), t.line.confidence))
    return _Value(format_money(value), tok.text, tok.bbox, tok.line.confidence * 0.9, lay.page.page)


def _totals_by_sum(lay: _Layout, out: dict[str, _Value]) -> None:
    """The 金额 and 税额 totals the 合计 row did not give (its label lost under a seal or split by
    OCR, a figure unread on a scan): the printed figures between the item header and 价税合计 for
    which 金额 + 税额 = 价税合计 holds. Only a pair of values that is the only one to add up is
    taken, and a total already read is never replaced; the lowest such row (the 合计 row, below the
    items) gives the boxes."""
    grand = out.get("grand_total")
    if grand is None or ("amount_total" in out and "tax_total" in out):
        return
    g = Decimal(grand.value)
    end = lay.grand if lay.grand is not None else len(lay.rows)
    start = lay.header + 1 if lay.header is not None else 0
    excluded = {id(ln) for ln in lay.rows[lay.grand]} if lay.grand is not None else set()
    known = {k: Decimal(out[k].value) for k in ("amount_total", "tax_total") if k in out}
    found: dict[tuple[Decimal, Decimal], tuple[Token, Token]] = {}
    for i in range(end - 1, start - 1, -1):
        toks = [t for t in _money_tokens(lay.rows[i]) if id(t.line) not in excluded]
        for a in toks:
            for t in toks:
                av, tv = parse_amount(a.text), parse_amount(t.text)
                if av is None or tv is None or a.cx >= t.cx or av + tv != g or abs(tv) > abs(av):
                    continue
                if known.get("amount_total", av) != av or known.get("tax_total", tv) != tv:
                    continue
                found.setdefault((av, tv), (a, t))
    if len(found) != 1:
        return
    (av, tv), (a, t) = next(iter(found.items()))
    for key, value, tok in (("amount_total", av, a), ("tax_total", tv, t)):
        if key not in out:
            out[key] = _Value(format_money(value), tok.text, tok.bbox, tok.line.confidence * 0.9, lay.page.page)


def _line_items(lay: _Layout) -> list[LineItem]:
    if lay.header is None:
        return []
    end = lay.total if lay.total is not None else lay.grand
    if end is None:
        end = min(len(lay.rows), lay.header + 12)
    items: list[LineItem] = []
    name_right = lay.name_right
    header_box = union_bbox([ln.bbox for ln in lay.rows[lay.header]])
    assert header_box is not None
    margin = 0.05 * lay.page.width
    for row in lay.rows[lay.header + 1 : end]:
        toks = [
            t for line in row for t in tokens(line)
            if header_box[0] - margin <= t.cx <= header_box[2] + margin
        ]
        if any(re.match(r"^¥\d", t.text) for t in toks):
            break  # the 合计 row (amounts with ¥), however skewed
        if name_right is None:
            first_num = next((t for t in toks if _NUMBER_TOKEN.match(t.text)), None)
            boundary = first_num.bbox[0] if first_num else float("inf")
        else:
            boundary = name_right
        name_toks = [t for t in toks if t.cx < boundary]
        data = [t for t in toks if t.cx >= boundary]
        name_text = ""
        for k, t in enumerate(name_toks):
            same_line = k > 0 and name_toks[k - 1].line is t.line
            name_text += (" " if same_line else "") + t.text
        numbers = [t for t in data if _NUMBER_TOKEN.match(t.text)]
        rate = next((t for t in data if _RATE_TOKEN.match(t.text)), None)
        if not numbers and rate is None:
            if items and name_text and not name_text.startswith("*"):
                items[-1] = items[-1].model_copy(update={"name": items[-1].name + name_text})
            continue
        amount: Token | None = None
        tax: Token | None = None
        if rate is not None:
            left = [t for t in numbers if t.cx < rate.cx]
            right = [t for t in numbers if t.cx > rate.cx]
            amount = max(left, key=lambda t: t.cx) if left else None
            tax = min(right, key=lambda t: t.cx) if right else None
        elif lay.columns:
            cols = lay.columns
            for t in numbers:
                col = min(cols, key=lambda k: abs(cols[k] - t.cx))
                if col == "amount" and (amount is None or abs(t.cx - cols[col]) < abs(amount.cx - cols[col])):
                    amount = t
                elif col == "tax" and (tax is None or abs(t.cx - cols[col]) < abs(tax.cx - cols[col])):
                    tax = t
        amount_value = parse_amount(amount.text) if amount else None
        tax_value = parse_amount(tax.text) if tax else None
        rate_text = None
        if rate is not None:
            rm = _RATE_TOKEN.match(rate.text)
            assert rm is not None
            rate_text = f"{rm.group(1)}%" if rm.group(1) else rm.group(2)
        items.append(
            LineItem(
                name=name_text,
                amount=format_money(amount_value) if amount_value is not None else None,
                tax_rate=rate_text,
                tax=format_money(tax_value) if tax_value is not None else None,
                page=lay.page.page,
                bbox=union_bbox([ln.bbox for ln in row]),
            )
        )
    return items


# --- kind, date, code ---------------------------------------------------------------------------


def invoice_kind(text: str, code: str | None, number: str | None) -> str:
    """The kind of invoice from its title words and the shape of its code and number."""
    t = compact(text)
    if (number and len(number) == 20 and not code) or re.search(
        r"电子发票\((?:普通发票|增值税专用发票)\)|全电发票|数电", t
    ):
        return "fully_digital"
    if "机打发票" in t:
        return "machine_printed"
    if "通行费" in t or (code and len(code) == 12 and code.startswith("0") and code.endswith("12")):
        return "toll"
    if "卷票" in t or "卷式" in t:
        return "roll"
    if _QUOTA.search(t):
        return "quota"
    if "电子专用发票" in t:
        return "e_invoice_special"
    if "电子普通发票" in t or (code and len(code) == 12 and "校验码" in t):
        return "e_invoice_ordinary"
    if "专用发票" in t or ("用发票" in t and "普通" not in t):
        return "vat_special"
    if code and len(code) == 12:
        return "e_invoice_ordinary"
    return "vat_ordinary"


def _issue_date(lay: _Layout) -> tuple[date, _Value] | None:
    for i, rs in enumerate(lay.strings):
        m = _DATE_LABEL.search(rs.text)
        if not m:
            continue
        tail = rs.text[m.end() : m.end() + 20]
        found = find_dates(tail)
        if found:
            start, end, when = found[0]
            s, e = m.end() + start, m.end() + end
            conf = min(rs.lines[o].confidence for o in {rs.owners[k] for k in range(s, e)})
            # OCR boxes of one row may print the date split: keep the row's text as printed
            raw = " ".join(ln.text for ln in lay.rows[i] if rs.bbox(s, e) and _overlaps_x(ln.bbox, rs.bbox(s, e)))
            return when, _Value(when.isoformat(), raw or tail[start:end], rs.bbox(s, e), conf, lay.page.page)
    # no label: the first date above the item table
    limit = lay.top(lay.header) or float("inf")
    for i, rs in enumerate(lay.strings):
        if lay.top(i) is not None and (lay.top(i) or 0) >= limit:
            break
        found = find_dates(rs.text)
        if found:
            start, end, when = found[0]
            conf = min(rs.lines[o].confidence for o in {rs.owners[k] for k in range(start, end)}) * 0.8
            return when, _Value(when.isoformat(), rs.text[start:end], rs.bbox(start, end), conf, lay.page.page)
    return None


def _overlaps_x(a: BBox, b: BBox | None) -> bool:
    return b is not None and min(a[2], b[2]) - max(a[0], b[0]) > 0


def _after_other_label(page: PageText, line: TextLine) -> bool:
    h = height(line.bbox)
    return any(
        other is not line and re.search(r"编号|电话|账号", other.text) and v_overlap(other.bbox, line.bbox) >= 0.4
        and other.bbox[2] <= line.bbox[0] + h and line.bbox[0] - other.bbox[2] < 3 * h
        for other in page.lines
    )


def _unlabelled_code_number(lay: _Layout, limit_y: float) -> tuple[_Value | None, _Value | None]:
    """Paper invoices in photos: the code and number print large, their labels are often lost."""
    code = number = None
    for line in sorted(lay.page.lines, key=lambda ln: (cy(ln.bbox), ln.bbox[0])):
        if cy(line.bbox) >= limit_y:
            break
        text = compact(line.text)
        if _after_other_label(lay.page, line):
            continue  # 机器编号：| 661619942171 is not the invoice code
        if code is None and re.fullmatch(r"\d{10}|\d{12}", text):
            code = _Value(text, line.text, line.bbox, line.confidence * 0.85, lay.page.page)
        elif number is None and re.fullmatch(r"(?:N[oO0º°]\.?|№)?(\d{8})", text):
            digits = re.sub(r"\D", "", text)
            number = _Value(digits, line.text, line.bbox, line.confidence * 0.85, lay.page.page)
    return code, number


def code_year(code: str) -> int | None:
    """The year the invoice stock was printed: digits 5-6 of a 10-digit code, 6-7 of a 12-digit one."""
    if len(code) == 10:
        yy = code[4:6]
    elif len(code) == 12:
        yy = code[5:7]
    else:
        return None
    if not yy.isdigit():
        return None
    n = int(yy)
    return 2000 + n if n <= 69 else 1900 + n


# --- checks --------------------------------------------------------------------------------------


def _money(ex: Extraction, name_: str) -> Decimal | None:
    fv = ex.fields.get(name_)
    return Decimal(fv.value) if fv else None


def _check(ex: Extraction, check: str, ok: bool, values: dict[str, Any]) -> None:
    ex.facts.setdefault("checks", []).append({"check": check, "ok": ok, "values": values})


def _run_checks(ex: Extraction, issue: date | None) -> None:
    amount = _money(ex, "amount_total")
    tax = _money(ex, "tax_total")
    grand = _money(ex, "grand_total")
    items = ex.line_items

    # the line items' amounts and taxes each add up to the printed totals
    for column, printed, total_name, sum_key, word in (("amount", amount, "amount_total", "line_amounts_sum", "金额"),
                                                   ("tax", tax, "tax_total", "line_taxes_sum", "税额")):
        cells = [getattr(it, column) for it in items]
        if not items or printed is None or any(c is None for c in cells):
            continue
        total = sum((Decimal(c) for c in cells if c), Decimal(0))
        ok = total == printed
        values = {sum_key: format_money(total), total_name: format_money(printed)}
        _check(ex, f"{sum_key}_to_{total_name}", ok, values)
        if not ok:
            ex.problems.append(Problem(
                FlagCode.invoice_arithmetic_mismatch, Severity.high,
                f"明细{word}之和 {values[sum_key]} 与合计{word} {values[total_name]} 不一致",
                fields=[total_name, "line_items"], values=values))
    if amount is not None and tax is not None and grand is not None:
        ok = amount + tax == grand
        values = {"amount_total": format_money(amount), "tax_total": format_money(tax),
                  "sum": format_money(amount + tax), "grand_total": format_money(grand)}
        _check(ex, "amount_plus_tax_equals_total", ok, values)
        if not ok:
            ex.problems.append(Problem(
                FlagCode.invoice_arithmetic_mismatch, Severity.high,
                f"金额 {values['amount_total']} + 税额 {values['tax_total']} = {values['sum']}，"
                f"与价税合计 {values['grand_total']} 不一致",
                fields=["amount_total", "tax_total", "grand_total"], values=values))
    rated = [
        it for it in items
        if it.amount is not None and it.tax is not None and it.tax_rate and it.tax_rate.endswith("%")
        and not _LIST_ITEM.search(it.name)
    ]
    if rated:
        bad = []
        lines = []
        for it in rated:
            assert it.amount is not None and it.tax is not None and it.tax_rate is not None
            rate = Decimal(it.tax_rate.rstrip("%")) / 100
            expected = (Decimal(it.amount) * rate).quantize(CENT, rounding=ROUND_HALF_UP)
            entry = {"name": it.name, "amount": it.amount, "tax_rate": it.tax_rate, "tax": it.tax,
                     "expected_tax": format_money(expected)}
            lines.append(entry)
            if abs(Decimal(it.tax) - expected) > LINE_TAX_TOLERANCE:
                bad.append(entry)
        _check(ex, "line_tax_matches_rate", not bad, {"lines": lines})
        if bad:
            first = bad[0]
            ex.problems.append(Problem(
                FlagCode.invoice_arithmetic_mismatch, Severity.high,
                f"明细“{first['name']}”税额 {first['tax']} 与金额 {first['amount']} × 税率 {first['tax_rate']}"
                f" = {first['expected_tax']} 不符（共 {len(bad)} 行）",
                fields=["line_items"], values={"lines": bad}))
    words_fv = ex.fields.get("grand_total_words")
    if words_fv is not None and grand is not None:
        words_value = parse_amount_words(words_fv.value)
        ok = words_value is not None and words_value == grand
        values = {"grand_total_words": words_fv.value,
                  "words_value": format_money(words_value) if words_value is not None else None,
                  "grand_total": format_money(grand)}
        _check(ex, "amount_words_equal_figures", ok, values)
        if not ok:
            ex.problems.append(Problem(
                FlagCode.invoice_amount_words_mismatch, Severity.high,
                f"价税合计大写“{words_fv.value}”与小写 {values['grand_total']} 不一致",
                fields=["grand_total_words", "grand_total"], values=values))
    code = ex.fields.get("invoice_code")
    number = ex.fields.get("invoice_number")
    if issue is not None and code is not None:
        year = code_year(code.value)
        if year is not None:
            ok = year <= issue.year
            values = {"invoice_code": code.value, "code_year": year, "issue_date": issue.isoformat()}
            _check(ex, "code_year_not_after_issue", ok, values)
            if not ok:
                ex.problems.append(Problem(
                    FlagCode.invoice_code_year_after_issue, Severity.high,
                    f"发票代码 {code.value} 的年份 {year} 晚于开票日期 {issue.isoformat()}",
                    fields=["invoice_code", "issue_date"], values=values))
    if issue is not None and code is None and number is not None and len(number.value) == 20:
        yy = number.value[:2]
        ok = yy == f"{issue.year % 100:02d}"
        values = {"invoice_number": number.value, "number_year": yy, "issue_date": issue.isoformat()}
        _check(ex, "number_year_matches_issue", ok, values)
        if not ok:
            ex.problems.append(Problem(
                FlagCode.invoice_code_year_after_issue, Severity.high,
                f"数电发票号码 {number.value} 前两位年份 {yy} 与开票日期 {issue.isoformat()} 的年份不符",
                fields=["invoice_number", "issue_date"], values=values))
    for party in ("seller", "buyer"):
        fv = ex.fields.get(f"{party}_tax_id")
        if fv is None:
            continue
        valid = tax_id_valid(fv.value)
        if valid is None:
            continue
        _check(ex, f"{party}_tax_id_valid", valid, {"tax_id": fv.value, "party": party})
        if not valid:
            ex.problems.append(Problem(
                FlagCode.tax_id_invalid, Severity.medium,
                f"{'销售方' if party == 'seller' else '购买方'}纳税人识别号 {fv.value} 校验位不正确",
                fields=[f"{party}_tax_id"], values={"tax_id": fv.value, "party": party}))


# --- entry point ---------------------------------------------------------------------------------


def _set(ex: Extraction, field_name: str, v: _Value | None, valid: bool | None = None) -> None:
    if v is None:
        return
    ex.set_field(field_name, v.value, v.page, v.bbox, v.confidence, name, raw=v.raw, valid=valid)


def extract_invoice(pages: list[PageText]) -> Extraction:
    """Fields, line items, facts and problems of one invoice (its first page, plus list pages)."""
    ex = Extraction()
    if not pages:
        return ex
    page, originals = _normalized_page(pages[0])
    lay = _layout(page)
    header_top = lay.top(lay.header)

    code = _line_value(page, _CODE_LABEL, _CODE_VALUE) or _row_value(lay, _CODE_LABEL, _CODE_VALUE)
    number = _line_value(page, _NUMBER_LABEL, _NUMBER_VALUE) or _row_value(lay, _NUMBER_LABEL, _NUMBER_VALUE)
    parties = _parties(lay, originals)
    first_party_y = min(
        (v.bbox[1] for k, v in parties.items() if k.startswith("buyer") and v.bbox), default=None
    )
    top_limit = first_party_y or header_top or page.height / 3
    if code is None or number is None:
        u_code, u_number = _unlabelled_code_number(lay, top_limit)
        code = code or u_code
        number = number or u_number
    dated = _issue_date(lay)
    issue = dated[0] if dated else None
    check = _row_value(lay, _CHECK_LABEL, _CHECK_VALUE, window=40)

    kind = invoice_kind(page.text, code.value if code else None, number.value if number else None)
    if kind == "fully_digital" and code is not None and number is not None and len(number.value) == 20:
        code = None  # 数电票 have no code; a 10/12-digit run is part of something else
    title_line = min(page.lines, key=lambda ln: ln.bbox[1]) if page.lines else None
    ex.set_field("invoice_kind", kind, page.page, title_line.bbox if title_line else None,
                 0.9, name, raw=title_line.text if title_line else kind)
    _set(ex, "invoice_code", code)
    _set(ex, "invoice_number", number)
    if dated:
        _set(ex, "issue_date", dated[1])
    _set(ex, "check_code", check)
    if "seller_name" not in parties:
        seller = _unlabelled_seller(lay, dated[1].bbox[1] if dated and dated[1].bbox else top_limit)
        if seller:
            parties["seller_name"] = seller
    for key in ("buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id"):
        v = parties.get(key)
        if v is not None and key.endswith("tax_id") and page.text_source == TextSource.ocr:
            v.value = repair_credit_code(v.value)  # OCR confusions the check characters undo
        _set(ex, key, v, valid=tax_id_valid(v.value) if v and key.endswith("tax_id") else None)
    totals = _totals(lay)
    for key in ("amount_total", "tax_total", "grand_total", "grand_total_words"):
        _set(ex, key, totals.get(key))

    if kind != "machine_printed":
        items = _line_items(lay)
        extra: list[LineItem] = []
        for more in pages[1:]:
            extra += _line_items(_layout(_normalized_page(more)[0]))
        if extra:
            items = [it for it in items if not _LIST_ITEM.search(it.name)] + extra
        ex.line_items = items

    ex.facts["invoice_kind"] = kind
    if number is not None:
        ex.facts["invoice_key"] = f"{code.value}-{number.value}" if code is not None else number.value
    _run_checks(ex, issue)
    ex.facts.setdefault("checks", [])
    return ex


extract_invoice.name = name  # type: ignore[attr-defined]
extract_invoice.document_types = document_types  # type: ignore[attr-defined]
