"""Contracts (合同 / 协议): parties, amount, dates, and whether they name cloud services at all.

Parties are found by their role labels (甲方 / 乙方, 买方 / 卖方 … : the families are data,
``data/contract_roles.yaml``), which head the contract and repeat in the signature block.
``party_a`` is 甲方 under 甲 / 乙 and the customer side (买方, 需方, 委托方 …) in the other families;
``facts["customer_party"]`` says which party buys where the contract tells (甲（供）方 makes 乙 the
customer). A template's blanks are never parties, and a name cut by its line is completed from the
next line or dropped. A contract that never says 云服务 / 云产品 obliges the applicant to add a
deployment statement sealed by both parties (DOMAIN.md §2, material 4), so the cloud wording is
reported as a fact with its snippets.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from extractors.amounts import format_money, parse_amount, parse_amount_words
from extractors.base import Extraction, Problem
from extractors.cloud_wording import cloud_wording_findings
from extractors.codes import credit_code_problem_words, credit_code_problems, credit_code_valid, find_codes
from extractors.dates import find_dates
from extractors.layout import Hit, cy, height, right_of, rows
from extractors.layout_docs import hit, label_candidates, left_of, reading_order, spaced, topmost_heading
from extractors.text import close_name, compact, normalize
from models.domain import PageText, TextLine
from models.enums import DocumentType, FlagCode, Severity

name = "contract"
document_types = (DocumentType.contract,)

def _load_roles() -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...]]:
    data = yaml.safe_load((Path(__file__).parent / "data" / "contract_roles.yaml").read_text(encoding="utf-8"))
    pairs = tuple((f["a"], f["b"]) for f in data["families"])
    return pairs, tuple(data["customer_words"]), tuple(data["supplier_words"])


# (party_a role, party_b role), in the order they are tried; data/contract_roles.yaml
ROLE_PAIRS, _CUSTOMER_WORDS, _SUPPLIER_WORDS = _load_roles()
# words after a role that make it a signature or contact label, not the party's name
_NOT_NAME = re.compile(
    r"^(?:签|盖|代表|授权|法定|法人|地址|住所|联系|电话|传真|开户|账号|帐号|税号|邮编|邮箱|日期|时间|经办|负责)"
)
_TITLE_WORDS = re.compile(r"合同|协议|订单|确认书")
_NOT_TITLE = re.compile(
    r"^(?:本|第|[一二三四五六七八九十]+[、.]|\d+[、.])|合同(?:编)?号|编号|合同期|合同金额|合同总"
)
_SIGN_WORDS = re.compile(r"盖章|签字|签章|签名|公章|合同专用章|签署")
_SIGNING_LABELS = r"签订日期|签署日期|签约日期|签订时间|签约时间|签署时间|签订于"
_TERM_LABELS = (
    r"服务期限|合同期限|服务期|有效期限|有效期|租赁期限|合作期限|履行期限|服务周期|开发周期|开发期限|实施周期|实施期限|建设周期"
)
_AMOUNT_LABELS = r"合同总金额|合同总价款|合同总价|合同价款|合同金额|总金额|总价款|总价|价款总计|合计金额|总计"
_NUMBER_LABELS = r"(?<![\u4e00-\u9fff])(?:合同|协议|订单)\s*(?:编\s*号|号\s*码|编\s*码|号)"
_NUMBER_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.]{3,39}(?![A-Za-z0-9])")
_CODE_LABELS = re.compile(r"统一社会信用代码|社会信用代码|信用代码|纳税人识别号|税号")
# a money figure: with a ¥ sign or two decimals (a quantity such as 10 is not money)
_MONEY = re.compile(r"[¥￥]\s*\d[\d,]*(?:\.\d{1,2})?|(?<![\d.])\d[\d,]*\.\d{2}(?![\d])")
_WORDS_RUN = re.compile(r"[零〇壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正]{3,}")
_ROLE_WORDS = {"party_a": "甲方", "party_b": "乙方"}
# a template's blank for the name (______, [甲方名称], XXX有限公司, ○○公司) is never a party
_PLACEHOLDER = re.compile(r"_{2,}|＿|[\[【［〔].*?[\]】］〕]|[XxＸｘ×*＊]{2,}|[○〇□]{2,}|\.{3,}|…")
# a name cut at the end of its line or inside a bracket: 某某（厦门）卫浴有限 / 某某大学(深圳
_CUT_NAME = re.compile(r"(?:有限|有限责任|股份有限|股份|责任|集团有限)$")
_ORG = re.compile(r"(?:公司|集团|中心|研究院|研究所|厂|大学|学院|医院|银行|合作社|事务所|工作室|商行|店)$")


def _role_rx(role: str) -> str:
    # 甲方（委托方）：… / 甲方(盖章): … / 甲（供）方：… ; a bracket may name the side or the other
    # role word, after the role or before its last character
    inner = r"(?:\s*[（(][^）)]{1,4}[)）]\s*)?"
    # forms made from spreadsheets print 甲方名称 / 供方单位 / 买方全称 as the label
    noun = r"(?:\s*(?:单位名称|公司名称|企业名称|名称|全称|单位))?"
    return rf"{spaced(role[:-1])}{inner}{re.escape(role[-1])}{noun}\s*(?:[（(][^）)]{{0,8}}[)）])?"


def _side_of(label: str) -> str | None:
    """``customer`` or ``supplier`` when the role's brackets say so (甲（供）方, 甲方（委托方）)."""
    words = "".join(re.findall(r"[（(]([^）)]{1,8})[)）]", label))
    if any(w in words for w in _SUPPLIER_WORDS) and not any(w in words for w in _CUSTOMER_WORDS):
        return "supplier"
    if any(w in words for w in _CUSTOMER_WORDS) and not any(w in words for w in _SUPPLIER_WORDS):
        return "customer"
    return None


_ANY_ROLE = re.compile("^(?:" + "|".join(_role_rx(r) for r in sorted({r for p in ROLE_PAIRS for r in p})) + ")")


def _party_name(text: str) -> str | None:
    value = normalize(text).strip(" :：")
    if not value or _NOT_NAME.match(value) or len(compact(value)) < 2 or _PLACEHOLDER.search(value):
        return None
    if _ANY_ROLE.match(value):
        return None  # the other party's label beside this one (甲方（盖章）：  乙方（盖章）：)
    value = re.split(r"\s{2,}|[（(]盖章|[（(]签", value)[0].strip()
    if re.search(r"[，。；,;]", value) or len(compact(value)) > 40:
        return None  # a clause that starts with the role word (甲方应于……), not a name
    return compact(value) or None


def _balanced(text: str) -> bool:
    return text.count("(") == text.count(")")


def _complete_name(page: PageText, value: str, where: Hit, label: TextLine) -> tuple[str, Hit] | None:
    """A name as read, or completed from the start of the next line when its line cut it (an open
    bracket, a 有限 without 公司); a cut name that cannot be completed is no name."""
    if _balanced(value) and not _CUT_NAME.search(value):
        return value, where
    h = height(where.bbox)
    for other in sorted(page.lines, key=lambda ln: ln.bbox[1]):
        if other is where or not (0 <= other.bbox[1] - where.bbox[3] + 0.2 * h <= 1.5 * h):
            continue
        if min(abs(other.bbox[0] - label.bbox[0]), abs(other.bbox[0] - where.bbox[0])) > 2 * h:
            continue
        rest = compact(normalize(other.text)).split(" ")[0]
        joined = value + re.split(r"[，。；,;:：]", rest)[0]
        for end in range(len(joined), len(value), -1):
            head = joined[:end]
            if _balanced(head) and _ORG.search(head) and not _CUT_NAME.search(head):
                box = (min(where.bbox[0], other.bbox[0]), where.bbox[1], max(where.bbox[2], other.bbox[2]), other.bbox[3])
                return head, Hit(where.text + other.text, box, min(where.confidence, other.confidence), where.page)
        break
    closed = close_name(value)
    if closed and closed != value and not _CUT_NAME.search(closed):
        return closed, where
    return None


def _find_parties(pages: list[PageText]) -> dict[str, Any]:
    best: dict[str, Any] | None = None
    for customer, supplier in ROLE_PAIRS:
        found: dict[str, Any] = {}
        for key, role in (("party_a", customer), ("party_b", supplier)):
            names: list[tuple[str, Hit, TextLine]] = []
            for page in pages:
                colon = re.compile(rf"^\s*{_role_rx(role)}\s*[:：]")
                for cand in label_candidates(page, _role_rx(role) + r"\s*[:：]?"):
                    value = _party_name(cand.value.text)
                    complete = _complete_name(page, value, cand.value, cand.label) if value else None
                    # without a colon only an organisation's name is believable
                    if complete and (colon.match(cand.label.text) or _ORG.search(complete[0])):
                        names.append((complete[0], complete[1], cand.label))
                        break
                if names:
                    break
            if names:
                # an organisation's name beats a person's name or a blank to fill in
                org = [n for n in names if _ORG.search(n[0])]
                found[key] = (org or names)[0]
                found[key + "_role"] = role
                found[key + "_side"] = _side_of(found[key][2].text)
        if "party_a" in found and "party_b" in found:
            return found
        if found and best is None:
            best = found
    return best or {}


def _customer_party(parties: dict[str, Any]) -> str | None:
    """``party_a`` or ``party_b``: the side that buys or commissions. Outside 甲方 / 乙方 the role
    word says it (party_a is the customer's); under 甲 / 乙 only a bracket does (甲（供）方)."""
    sides = {key: parties.get(key + "_side") for key in ("party_a", "party_b")}
    for key, other in (("party_a", "party_b"), ("party_b", "party_a")):
        if sides[key] == "customer" or sides[other] == "supplier":
            return key
    if parties.get("party_a_role") and parties.get("party_a_role") != "甲方":
        return "party_a"
    return None


def _contract_number(pages: list[PageText]) -> tuple[str, Hit] | None:
    """The number after 合同编号 / 合同号 / 协议编号: one token with digits, no Chinese."""
    for page in pages[:2]:
        for cand in label_candidates(page, _NUMBER_LABELS, anchored=False):
            m = _NUMBER_VALUE.match(normalize(cand.value.text).strip())
            if m and sum(c.isdigit() for c in m.group(0)) >= 3 and not _PLACEHOLDER.search(m.group(0)):
                v = cand.value
                return m.group(0), Hit(m.group(0), v.bbox, v.confidence, v.page)
    return None


def _title(pages: list[PageText]) -> tuple[str, Hit] | None:
    for page in pages[:2]:
        line = topmost_heading(
            page,
            lambda t: bool(_TITLE_WORDS.search(t)) and not _NOT_TITLE.search(t) and len(compact(t)) <= 40,
        )
        if line is not None:
            return compact(line.text), hit(page, line)
    return None


def _signature_page(pages: list[PageText]) -> tuple[PageText, float] | None:
    """The page (and the y where the block starts) whose lower part holds the signing block: party
    labels with 盖章 / 签字, or both parties' labels side by side."""
    roles = [r for pair in ROLE_PAIRS for r in pair]
    role_rx = re.compile("^(?:" + "|".join(spaced(r) for r in roles) + ")")
    for page in reversed(pages):
        lower = [ln for ln in page.lines if ln.bbox[1] >= page.height * 0.4] if page.height else page.lines
        labels = [ln for ln in lower if role_rx.match(normalize(ln.text))]
        if not labels:
            continue
        signs = [ln for ln in lower if _SIGN_WORDS.search(ln.text) and len(compact(ln.text)) <= 30]
        side_by_side = any(
            a is not b
            and abs(cy(a.bbox) - cy(b.bbox)) < height(a.bbox)
            and abs(a.bbox[0] - b.bbox[0]) > page.width * 0.2
            for a in labels
            for b in labels
        )
        if signs or side_by_side:
            top = min(ln.bbox[1] for ln in labels + signs)
            return page, top
    return None


def _signing_date(pages: list[PageText], signature: tuple[PageText, float] | None) -> tuple[str, Hit] | None:
    for page in pages:
        for cand in label_candidates(page, rf"(?:{_SIGNING_LABELS})", anchored=False):
            found = find_dates(cand.value.text)
            if found:
                return found[0][2].isoformat(), _date_hit(page, cand.value, found[0])
    if signature is not None:
        page, top = signature
        block = [ln for ln in page.lines if ln.bbox[1] >= top - 1]
        dated: list[tuple[date, Hit]] = []
        for line in block:
            for start, end, when in find_dates(line.text):
                dated.append((when, hit(page, line, start, end)))
        if dated:
            when, h = max(dated, key=lambda d: d[0])
            return when.isoformat(), h
    last = pages[-1] if pages else None
    if last is not None:
        dated = [(when, hit(last, ln, s, e)) for ln in last.lines for s, e, when in find_dates(ln.text)]
        if dated:
            when, h = max(dated, key=lambda d: d[0])
            return when.isoformat(), Hit(h.text, h.bbox, h.confidence * 0.7, h.page)
    return None


def _date_hit(page: PageText, value: Hit, span: tuple[int, int, date]) -> Hit:
    n = max(1, len(value.text))
    x0, y0, x1, y1 = value.bbox
    w = (x1 - x0) / n
    return Hit(
        value.text[span[0] : span[1]],
        (x0 + w * span[0], y0, x0 + w * span[1], y1),
        value.confidence,
        page.page,
    )


def _term(pages: list[PageText]) -> tuple[tuple[str, Hit], tuple[str, Hit]] | None:
    for page in pages:
        for line in page.lines:
            m = re.search(_TERM_LABELS, compact(line.text))
            if not m:
                continue
            # the period may run on to the next line: 自2020年1月1日起 / 至2020年12月31日止
            lines = [line] + [
                ln
                for ln in page.lines
                if ln is not line
                and 0 <= ln.bbox[1] - line.bbox[3] <= height(line.bbox) * 1.2
                and ln.bbox[0] < line.bbox[2]
            ][:1]
            spans = [(ln, s, e, when) for ln in lines for s, e, when in find_dates(ln.text)]
            if len(spans) >= 2:
                (l1, s1, e1, d1), (l2, s2, e2, d2) = spans[0], spans[1]
                if d1 <= d2:
                    return (d1.isoformat(), hit(page, l1, s1, e1)), (d2.isoformat(), hit(page, l2, s2, e2))
    return None


def _amount(pages: list[PageText]) -> tuple[str, Hit] | None:
    for page, line in reading_order(pages):
        m = re.search(_AMOUNT_LABELS, line.text) or re.search(spaced("合同金额"), line.text)
        if not m:
            continue
        candidates = [(line, m.end())] + [(ln, 0) for ln in _right(page, line)]
        for ln, start in candidates:
            text = ln.text[start:]
            # skip the words in 人民币（大写）…（小写 ¥31800.00）: the figure is what we want here
            value = parse_amount(re.sub(r"[零〇壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正]{2,}", " ", text))
            if value is not None and value > 0:
                fig = re.search(r"[¥￥]?\s*\d[\d,]*(?:\.\d+)?", text)
                s = start + (fig.start() if fig else 0)
                e = start + (fig.end() if fig else len(text))
                return format_money(value), hit(page, ln, s, e)
    return None


def _amount_by_words(pages: list[PageText], words: tuple[str, str, Hit] | None) -> tuple[str, Hit] | None:
    """Where no label gives the amount (a table's 合计 row, 价税合计 in a column header): the
    figure on a 合计 / 总计 row, confirmed by the amount in words when the contract prints them
    (大写 = 小写), or else the only money figure on that row."""
    target = words[1] if words else None
    rows_with_total: list[tuple[PageText, list[TextLine]]] = []
    for page in pages:
        for row in rows(page):
            if re.match(r"^\s*(?:合\s*计|总\s*计)", row[0].text) and "大写" not in row[0].text:
                rows_with_total.append((page, row))
    figures: list[tuple[str, Hit]] = []
    for page, row in rows_with_total:
        for ln in row:
            for m in _MONEY.finditer(ln.text):
                value = parse_amount(m.group(0))
                if value is not None and value > 0:
                    figures.append((format_money(value), hit(page, ln, m.start(), m.end())))
    if target is not None:
        agree = [f for f in figures if f[0] == target]
        if agree:
            return agree[0]
        # the words' figure anywhere with a ¥ sign
        for page, line in reading_order(pages):
            for m in re.finditer(r"[¥￥]\s*\d[\d,]*(?:\.\d{1,2})?", line.text):
                value = parse_amount(m.group(0))
                if value is not None and format_money(value) == target:
                    return target, hit(page, line, m.start(), m.end())
        return None
    values = {f[0] for f in figures}
    return figures[0] if len(values) == 1 else None


def _right(page: PageText, line: TextLine) -> list[TextLine]:
    return right_of(page, line)[:2]


def _amount_words(pages: list[PageText]) -> tuple[str, str, Hit] | None:
    """The amount in words as printed, its value as a figure, and where it is."""
    for page, line in reading_order(pages):
        if "大写" not in line.text and not re.search(_AMOUNT_LABELS, line.text):
            continue
        for ln in [line, *_right(page, line)]:
            m = _WORDS_RUN.search(ln.text)
            if m:
                value = parse_amount_words(m.group(0))
                if value is not None and value > 0:
                    return m.group(0), format_money(value), hit(page, ln, m.start(), m.end())
    return None


def _party_codes(pages: list[PageText], parties: dict[str, Any]) -> dict[str, tuple[str, Hit]]:
    """Credit codes printed in each party's block: a code belongs to the nearest party label above
    it in the same column."""
    labels: list[tuple[str, int, TextLine]] = []
    for key in ("party_a", "party_b"):
        role = parties.get(key + "_role")
        if not role:
            continue
        rx = re.compile(rf"^\s*{_role_rx(role)}")
        for page in pages:
            for line in page.lines:
                if rx.match(line.text):
                    labels.append((key, page.page, line))
    out: dict[str, tuple[str, Hit]] = {}
    for page in pages:
        for line in page.lines:
            for start, end, code, kind in find_codes(line.text):
                if kind != "credit_code":
                    continue
                if not _CODE_LABELS.search(compact(line.text)) and not any(
                    _CODE_LABELS.search(compact(o.text)) for o in _left(page, line)
                ):
                    continue
                above = [
                    (key, lab)
                    for key, pno, lab in labels
                    if pno == page.page and lab.bbox[1] <= line.bbox[1] + 1
                ]
                if not above:
                    continue
                key, _ = min(
                    above,
                    key=lambda kl: (line.bbox[1] - kl[1].bbox[1]) + 2 * abs(line.bbox[0] - kl[1].bbox[0]),
                )
                out.setdefault(key, (code, hit(page, line, start, end)))
    return out


def _left(page: PageText, line: TextLine) -> list[TextLine]:
    return left_of(page, line)[:2]


def extract_contract(pages: list[PageText]) -> Extraction:
    """Read a contract: title, parties (with credit codes), signing date, term, amount in figures and
    words, and its cloud wording.

    Facts: ``party_roles`` (the role words each party goes by), ``customer_party`` (``party_a`` or
    ``party_b``, the side that buys, None when the contract does not say), ``cloud_wording`` and
    ``cloud_wording_snippets`` ([{page, text, snippet}]), ``signature_page``.
    """
    ex = Extraction()

    def put(field: str, found: tuple[str, Hit] | None, **kw: Any) -> None:
        if found:
            value, h = found
            ex.set_field(field, value, h.page, h.bbox, h.confidence, name, raw=h.text, **kw)

    put("title", _title(pages))
    parties = _find_parties(pages)
    roles: dict[str, str] = {}
    for key in ("party_a", "party_b"):
        if key in parties:
            value, h, _ = parties[key]
            put(key, (value, h))
            roles[key] = parties[key + "_role"]
    ex.facts["party_roles"] = roles
    ex.facts["customer_party"] = _customer_party(parties)

    for key, (code, h) in _party_codes(pages, parties).items():
        valid = credit_code_valid(code)
        put(f"{key}_credit_code", (code, h), valid=valid)
        if not valid:
            ex.problems.append(
                Problem(
                    FlagCode.credit_code_invalid,
                    Severity.high,
                    f"合同{roles.get(key, _ROLE_WORDS[key])}统一社会信用代码 {code} 校验不通过："
                    f"{credit_code_problem_words(code)}",
                    fields=[f"{key}_credit_code"],
                    values={"credit_code": code, "party": key, "problems": credit_code_problems(code)},
                )
            )

    signature = _signature_page(pages)
    ex.facts["signature_page"] = signature[0].page if signature else None
    put("signing_date", _signing_date(pages, signature))
    term = _term(pages)
    if term:
        put("term_start", term[0])
        put("term_end", term[1])

    put("contract_number", _contract_number(pages))
    words = _amount_words(pages)
    amount = _amount(pages) or _amount_by_words(pages, words)
    put("amount", amount)
    if words:
        # the field shows the words as printed (REPORT.md: values as printed); the figure they
        # stand for is the finding's normalized value and a fact
        printed, figure, h = words
        ex.set_field("amount_words", printed, h.page, h.bbox, h.confidence, name, raw=h.text)
        ex.findings[-1] = ex.findings[-1].model_copy(update={"normalized": figure})
        ex.facts["amount_words_value"] = figure
    if amount and words and amount[0] != words[1]:
        ex.problems.append(
            Problem(
                FlagCode.contract_amount_words_mismatch,
                Severity.medium,
                f"合同金额小写 {amount[0]} 与大写“{words[0]}”（{words[1]}）不一致",
                fields=["amount", "amount_words"],
                values={"amount": amount[0], "amount_words": words[0], "amount_words_value": words[1]},
            )
        )

    snippets = []
    for page in pages:
        for finding in cloud_wording_findings(page):
            ex.findings.append(finding)
            snippets.append(
                {
                    "page": finding.page,
                    "text": finding.value,
                    "snippet": finding.detail.get("snippet", finding.value),
                }
            )
    ex.facts["cloud_wording"] = bool(snippets)
    ex.facts["cloud_wording_snippets"] = snippets
    if not snippets:
        ex.problems.append(
            Problem(
                FlagCode.contract_lacks_cloud_wording,
                Severity.low,
                "合同未写明云服务、云产品等字样：按申报要求须另附由申报企业和云服务商双方盖章的上云情况说明",
                fields=[f for f in ("title",) if f in ex.fields],
                values={"title": ex.fields["title"].value if "title" in ex.fields else None},
            )
        )
    return ex
