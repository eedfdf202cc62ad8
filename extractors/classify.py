"""Which kind of document a page is, and which pages form one document.

Classification has two steps. First, weighted cue words per document type (``CUES``, data, not
code) are scored on the page's compacted text, so that OCR spacing does not matter; long cues also
match fuzzily, so one misread character does not lose them. Cues in the page's first lines (its
title) count more. Negative cues (``NEGATIVE_CUES``) keep look-alikes apart: a delivery note has
amounts, company names and a 单价/金额 table, but it is not an invoice.

Second, a type is *earned*: cue words only nominate it. ``REQUIREMENTS`` lists, per type, the
defining content that must be on the page before the type is assigned (a licence: its title, a
credit code or 注册号 and its holder; an invoice: its number, a party and an amount; a contract:
two parties under role words and agreement wording …), each a small plain function. A page whose
candidates all lack their defining content is ``other``, with a reason a person understands
("像营业执照，但没有统一社会信用代码或注册号"). Pages whose title is a known document of another
kind (``KNOWN_OTHER_TITLES``: 食品经营许可证, 税务登记证, 海关进口货物报关单 …) are ``other`` too,
and named as what they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz

from extractors.codes import find_codes
from extractors.layout import height, right_of
from extractors.layout_extra import median_height, text_rows
from extractors.text import compact, normalize
from models.domain import PageText
from models.enums import DocumentType

T = DocumentType

# cue -> weight, per type. Cues are matched on compacted (blank-free, half-width) text, ASCII
# case-insensitively. Keep the specific labels of a form heavy and generic words light.
CUES: dict[DocumentType, dict[str, float]] = {
    T.business_license: {
        "营业执照": 8, "统一社会信用代码": 1.5, "注册号": 1.5, "住所": 2, "法定代表人": 2, "经营范围": 3,
        "登记机关": 3, "注册资本": 2, "成立日期": 2, "营业期限": 3, "年报公示": 1, "市场监督管理局": 1,
        "国家企业信用信息公示系统": 2,
    },
    T.vat_invoice: {
        "发票代码": 4, "发票号码": 4, "开票日期": 4, "价税合计": 5, "购买方": 2, "销售方": 2, "购货单位": 2,
        "销货单位": 2, "纳税人识别号": 2, "校验码": 2, "密码区": 2, "货物或应税劳务": 3, "应税劳务": 1,
        "税额": 1, "税率": 1, "电子发票": 2, "增值税专用发票": 3, "增值税普通发票": 3, "电子普通发票": 3,
        "普通发票": 1, "专用发票": 1, "通行费": 1, "机打发票": 3, "开票人": 1, "发票联": 2, "抵扣联": 2,
        "机器编号": 2, "税务局监制": 1, "全国统一发票监制章": 2, "小写": 1, "大写": 0.5,
    },
    T.contract: {
        "合同": 3, "协议书": 3, "协议": 2, "甲方": 2, "乙方": 2, "委托方": 2, "受托方": 2, "买方": 1.5,
        "卖方": 1.5, "签订": 2, "违约": 2, "合同号": 2, "合同编号": 2, "条款": 1, "附加条款": 3, "争议": 1,
        "不可抗力": 1.5, "生效": 1, "双方": 1, "签字": 0.5, "盖章": 0.5, "甲方签名": 2, "乙方签名": 2,
        "服务期限": 1, "合同金额": 2,
        # agent agreements and a group's authorisation of its branch are contracts too
        "授权书": 4, "授权委托书": 4, "被授权": 2, "代理协议": 4,
    },
    T.cloud_console: {
        "控制台": 3, "实例": 2, "云服务器": 3, "ecs": 2, "cvm": 2, "运行中": 2, "已停止": 1, "地域": 1.5,
        "可用区": 2, "云主机": 3, "虚拟机": 2, "镜像": 1, "安全组": 1.5, "云盘": 1, "快照": 1, "ip地址": 1,
        "公网ip": 1.5, "私有ip": 1, "vcpu": 1.5, "操作系统": 0.5, "创建时间": 0.5, "工作台": 1, "费用中心": 2,
        "阿里云": 2, "腾讯云": 2, "华为云": 2, "天翼云": 2, "移动云": 2, "联通云": 2, "浪潮云": 2,
        "百度智能云": 2, "京东云": 2, "金山云": 2, "aws": 1, "azure": 1, "云平台": 1.5, "对象存储": 1.5,
        "云数据库": 1.5, "负载均衡": 1, "弹性计算": 1.5, "更多操作": 1, "条/页": 1, "云主机服务": 2,
    },
    T.application_form: {
        "星级上云企业评定申请表": 10, "申请单位基本情况": 6, "企业上云业务及应用表": 10, "上云企业": 2,
        "申请表": 2, "申请单位": 2, "上云": 1, "门户网站": 1, "计算资源": 1, "存储资源": 1,
        "协同工作工具": 1, "是否上云": 2, "佐证材料页码": 3, "真实性承诺": 2,
        # Zhengzhou 2018 cloud-provider call: 申报表 and 汇总表
        "上云服务商": 4, "申报表": 3, "申报类别": 3, "汇总表": 2,
    },
    T.software_copyright_certificate: {
        "计算机软件著作权登记证书": 12, "软著登字": 8, "著作权人": 3, "开发完成日期": 2, "首次发表日期": 2,
        "权利取得方式": 2, "权利范围": 2, "国家版权局": 3,
    },
    T.software_product_certificate: {
        "软件产品登记证书": 12, "软件产品登记": 5, "软件产品评估": 3,
    },
    T.telecom_license: {
        "增值电信业务经营许可证": 12, "经营许可证": 3, "电信业务": 3, "业务种类": 1.5, "业务覆盖范围": 2,
        "互联网数据中心": 1,
    },
    T.test_report: {
        "测试报告": 6, "检测报告": 6, "测试结论": 2, "检测结论": 2, "测试环境": 1, "测试单位": 1.5,
        "检验报告": 4,
        # 软件产品登记测试报告 reads like 软件产品登记证书 to the fuzzy match
        "登记测试报告": 8, "检测单位": 1.5,
    },
    T.audit_report: {
        "审计报告": 8, "专项审计": 6, "会计师事务所": 3, "注册会计师": 2, "审计意见": 2, "鉴证报告": 4,
    },
    T.financial_statement: {
        "资产负债表": 8, "利润表": 8, "现金流量表": 6, "负债和所有者权益": 3, "所有者权益": 1,
        "营业收入": 1, "净利润": 1, "流动资产": 1,
    },
    T.bank_receipt: {
        "回单": 5, "电子回单": 3, "转账": 2, "付款人": 2, "收款人": 0.5, "交易流水": 2, "记账日期": 1.5,
        "付款账号": 2, "收款账号": 2, "交易金额": 2, "付款方": 1, "收款方": 1, "业务回单": 3,
    },
    T.deployment_statement: {
        "上云情况说明": 10, "云服务部署说明": 10, "云端部署": 4, "部署说明": 4, "情况说明": 3,
        "应用的说明": 4, "特此说明": 3, "部署在": 2, "部署于": 2, "特此证明": 2,
    },
    T.other: {
        # look-alikes that are not evidence documents of their own
        "送货单": 10, "发货单": 10, "出库单": 10, "入库单": 10, "收货单位": 3, "送货单位": 3,
        "印章样本": 10, "印鉴": 4, "公司公章": 3, "法人代表章": 3, "财务章": 2,
    },
}

# cue -> weight subtracted from a type's score when the cue is present.
NEGATIVE_CUES: dict[DocumentType, dict[str, float]] = {
    T.vat_invoice: {"送货单": 12, "发货单": 12, "出库单": 12, "入库单": 12, "收货单位": 4},
    T.contract: {"发票代码": 3, "发票号码": 3, "价税合计": 3},
}

# below this score a page is ``other``
MIN_SCORE = 4.0
# cues at least this long also match fuzzily (one or two characters misread)
FUZZY_MIN_LEN = 6
FUZZY_THRESHOLD = 85.0
FUZZY_WEIGHT = 0.7
# cues found in the first lines of the page (its title) count this much more
TITLE_LINES = 3
TITLE_BONUS = 0.5


def page_compact(page: PageText) -> str:
    """The page's text, normalised and without blanks, lower-cased for ASCII cues."""
    return compact(normalize(page.text)).lower()


def _title_text(page: PageText) -> str:
    ordered = sorted(page.lines, key=lambda ln: (ln.bbox[1], ln.bbox[0]))
    return compact(normalize("".join(ln.text for ln in ordered[:TITLE_LINES]))).lower()


def _near(cue: str, text: str) -> bool:
    """``cue`` is printed in ``text`` with a character or two misread (partial ratio at least
    ``FUZZY_THRESHOLD``). The cutoff lets the matcher pass over windows that cannot reach it,
    several times faster on a page of text, with the same answer."""
    return fuzz.partial_ratio(cue, text, score_cutoff=FUZZY_THRESHOLD) >= FUZZY_THRESHOLD


def _score(text: str, title: str, cues: dict[str, float]) -> tuple[float, list[str]]:
    score = 0.0
    matched: list[str] = []
    for cue, weight in cues.items():
        if cue in text:
            bonus = 1.0 + (TITLE_BONUS if cue in title else 0.0)
            score += weight * bonus
            matched.append(cue)
        elif len(cue) >= FUZZY_MIN_LEN and text and _near(cue, text):
            score += weight * FUZZY_WEIGHT
            matched.append(f"~{cue}")
    return score, matched


def score_page(page: PageText) -> dict[DocumentType, tuple[float, list[str]]]:
    """Score of every document type for ``page`` with the cues that matched."""
    text = page_compact(page)
    # a seal impression's text is not an invoice label
    text = text.replace("发票专用章", "专用章")
    title = _title_text(page)
    scores: dict[DocumentType, tuple[float, list[str]]] = {}
    for dtype, cues in CUES.items():
        score, matched = _score(text, title, cues)
        for cue, weight in NEGATIVE_CUES.get(dtype, {}).items():
            if cue in text:
                score -= weight
                matched.append(f"-{cue}")
        scores[dtype] = (score, matched)
    return scores


# --- a type is earned -----------------------------------------------------------------------------

# what each type is called in the reasons a reviewer reads
TYPE_NAMES: dict[DocumentType, str] = {
    T.business_license: "营业执照",
    T.vat_invoice: "发票",
    T.contract: "合同",
    T.cloud_console: "云服务控制台截图",
    T.application_form: "申请表",
    T.software_copyright_certificate: "计算机软件著作权登记证书",
    T.software_product_certificate: "软件产品登记证书",
    T.telecom_license: "增值电信业务经营许可证",
    T.test_report: "测试报告",
    T.audit_report: "审计报告",
    T.financial_statement: "财务报表",
    T.bank_receipt: "银行回单",
    T.deployment_statement: "云端部署/应用说明",
    T.other: "其他材料",
}

# Titles of documents that resemble the product's types but are none of them. A page whose title
# zone has a line ending in one of these is ``other`` and named by the matched text, unless its
# winning type's own title (``OWN_TITLES``) is printed there too: a statement page of an annual
# report carries both 年度报告 (running header) and 利润表.
KNOWN_OTHER_TITLES: tuple[str, ...] = (
    # licences and registration certificates of other kinds and other authorities
    r"食品(?:经营|生产)许可证", r"开户许可证", r"基本存款账户信息", r"税务登记证", r"组织机构代码证",
    r"(?:第[一二三]类)?医疗器械(?:经营|生产)(?:许可证|备案凭证)", r"药品(?:经营|生产)许可证", r"排污许可证",
    r"(?:危险化学品|烟草专卖(?:零售)?|酒类(?:商品)?(?:批发|零售)?|道路运输|出版物|网络文化|人力资源服务|劳务派遣"
    r"|安全生产|取水|卫生|特种设备(?:生产|使用)?|旅行社业务|保安服务|拍卖|医疗机构执业|互联网药品信息服务)"
    r"(?:经营|生产|执业|登记)?许可证",
    r"事业单位法人证书", r"社会团体法人登记证书", r"民办非企业单位登记证书", r"基金会法人登记证书", r"统计登记证",
    r"高新技术企业证书", r"商标注册证", r"(?:发明|实用新型|外观设计)?专利证书", r"[^\s]{0,8}管理体系认证证书",
    r"荣誉证书", r"对外贸易经营者备案登记表", r"报关单位(?:注册登记证书|备案证明)",
    # forms of other authorities and commercial papers that are not invoices or contracts
    r"(?:海关)?(?:进口|出口)货物(?:报关单|报检单)", r"海关[^\s]{0,8}专用缴款书", r"(?:税收)?完税证明",
    r"[^\s]{0,12}税[^\s]{0,8}申报表", r"[^\s]{0,8}(?:财政|非税收入)[^\s]{0,8}票据", r"[^\s]{0,8}结算票据",
    r"送货单", r"发货单", r"出库单", r"入库单", r"签收单", r"验收单", r"装箱单", r"报价单", r"采购订单", r"销售订单",
    r"对账单", r"收款收据", r"印章样本", r"年度报告(?:全文|摘要)?",
)
_KNOWN_OTHER = [re.compile(f"(?:{t})$") for t in KNOWN_OTHER_TITLES]
# printed after a title on the same line: (副本), （正本）, 第1页 …
_TITLE_TAIL = re.compile(r"(?:[(（][^)）]{1,6}[)）]|第\d+[页联]|\d+/\d+|[:：.、,，\-—*#\d])+$")

# A type's own title: when it is in the title zone, a known other title there does not override it.
OWN_TITLES: dict[DocumentType, str] = {
    T.business_license: r"营业执照",
    T.vat_invoice: r"发票",
    T.contract: r"合同|协议|契约|授权书|委托书",
    T.application_form: r"申请表|申报表|汇总表|应用表",
    T.software_copyright_certificate: r"著作权登记证书",
    T.software_product_certificate: r"软件产品登记证书",
    T.telecom_license: r"增值电信业务经营许可证",
    T.test_report: r"报告",
    T.audit_report: r"审计报告",
    T.financial_statement: r"资产负债表|利润表|损益表|现金流量表|所有者权益变动表|股东权益变动表",
    T.bank_receipt: r"回单",
    T.deployment_statement: r"说明|证明",
}

# lines at the top of the page that hold its title; lines printed this much larger than the page's
# text also count, wherever they are in the upper half (a licence's 营业执照, a certificate's name)
TITLE_ZONE_LINES = 6
TITLE_LARGE_FACTOR = 1.5
# when the best-scoring type lacks its defining content, a type scoring at least this share of it
# may still be earned
FALLBACK_SHARE = 0.75


@dataclass
class PageView:
    """What the checks look at: the page, its compacted text and its title zone."""

    page: PageText

    @cached_property
    def text(self) -> str:
        return compact(normalize(self.page.text))

    @cached_property
    def line_texts(self) -> list[str]:
        return [compact(ln.text) for ln in self.page.lines]

    @cached_property
    def title_lines(self) -> list[str]:
        ordered = sorted(self.page.lines, key=lambda ln: (ln.bbox[1], ln.bbox[0]))
        zone = ordered[:TITLE_ZONE_LINES]
        if ordered:
            med = median_height(ordered)
            top = min(ln.bbox[1] for ln in ordered)
            bottom = max(ln.bbox[3] for ln in ordered)
            middle = top + (bottom - top) / 2
            zone += [ln for ln in ordered[TITLE_ZONE_LINES:]
                     if height(ln.bbox) >= TITLE_LARGE_FACTOR * med and ln.bbox[1] <= middle]
        return [compact(ln.text) for ln in zone]

    @cached_property
    def title(self) -> str:
        return "".join(self.title_lines)


Check = Callable[[PageView], str | None]  # what was found, in words; None when absent


@dataclass(frozen=True)
class Requirement:
    """One piece of defining content: what it is in words, and the check that finds it."""

    what: str
    check: Check


def _first(rx: re.Pattern[str], texts: Sequence[str]) -> str | None:
    for t in texts:
        m = rx.search(t)
        if m:
            return m.group(0)
    return None


def _found(rx: str, where: str = "text") -> Check:
    """A check that ``rx`` occurs in the page's text (or its title zone)."""
    pattern = re.compile(rx, re.IGNORECASE)

    def check(v: PageView) -> str | None:
        m = pattern.search(v.title if where == "title" else v.text)
        return m.group(0) if m else None

    return check


def _at_least(n: int, words: Sequence[str], what: str) -> Check:
    """A check that ``n`` of ``words`` occur in the page's text."""

    def check(v: PageView) -> str | None:
        hits = [w for w in words if w.lower() in v.text.lower()]
        return f"{what}：{'、'.join(hits[:4])}" if len(hits) >= n else None

    return check


def _any(*checks: Check) -> Check:
    def check(v: PageView) -> str | None:
        return next((r for c in checks if (r := c(v))), None)

    return check


# organisations as printed: 某某有限公司, 某某店（个体工商户）, 某某大学, 某某中心 …
_ORG = re.compile(
    r"[\u4e00-\u9fff()]{2,}?(?:有限责任公司|股份有限公司|有限公司|公司|厂|店|中心|合作社|事务所|工作室|商行|经营部|门市部"
    r"|研究院|研究所|学校|大学|学院|医院|集团)(?:\(个体工商户\))?$"
)
_HOLDER_LABEL = re.compile(r"(?:名称|法定代表人|经营者|负责人|投资人|执行事务合伙人)[:：]?([\u4e00-\u9fffA-Za-z·]{2,})")


# a code printed after its label, whatever OCR made of a character or two (Z for 2, S for 5)
_LABELLED_CODE = re.compile(r"(信用代码|注册号)[:：]?([0-9A-Z]{18}|\d{15})(?![0-9A-Z])")


def registration_id(v: PageView) -> str | None:
    """A unified social credit code or a 15-digit 注册号, by shape: anywhere when it has the
    shape of a code, or after its label with a misread character (a bad check character is a
    forgery sign the licence checks report, not a reason to stop calling the page a licence)."""
    for line in v.page.lines:
        for text in (line.text, compact(line.text)):
            for _, _, code, kind in find_codes(text):
                if kind == "credit_code":
                    return f"统一社会信用代码 {code}"
                if kind == "registration_number":
                    return f"注册号 {code}"
    m = _LABELLED_CODE.search(v.text.upper())
    if m and sum(c.isdigit() for c in m.group(2)) >= 8:
        return f"{'统一社会信用代码' if m.group(1) == '信用代码' else '注册号'} {m.group(2)}"
    return None


def org_name(v: PageView) -> str | None:
    """A line that ends in an organisation's name."""
    for t in v.line_texts:
        m = _ORG.search(t.rstrip("。；;，,"))
        if m and len(m.group(0)) >= 4:
            return m.group(0)
    return None


def licence_holder(v: PageView) -> str | None:
    """The licence's holder: a company name, or the person a 名称/法定代表人/经营者 label names."""
    return org_name(v) or _first(_HOLDER_LABEL, v.line_texts)


def licence_title(v: PageView) -> str | None:
    """营业执照 in the title zone; one misread character of four is tolerated."""
    m = re.search(r"营业执照|营业执.|.业执照|营.执照|营业.照", v.title)
    return m.group(0) if m else None


# the number's label as printed and as OCR reads it: No, No., Nº, N°, №; alone on a line also N0
# or a bare N, which inside a line would match the middle of a code
_NUMBER_LABEL = r"(?:N[oº°]\.?|№)"
_INVOICE_NUMBER = re.compile(rf"(?:发票号码|号码|{_NUMBER_LABEL})[:：]?(\d{{20}}|\d{{8}})", re.IGNORECASE)
_DIGITAL_NUMBER = re.compile(r"(?<!\d)((?:2[1-9]|[3-4]\d)\d{18})(?!\d)")
_CODE_ALONE = re.compile(r"^(?:发票代码[:：]?)?(\d{10}|\d{12})$")
_NUMBER_ALONE = re.compile(rf"^(?:{_NUMBER_LABEL}|N0?\.?|号码[:：]?)?(\d{{8}})$", re.IGNORECASE)


def invoice_numbers(page: PageText) -> set[str]:
    """Invoice numbers printed after a 号码 / No label on the page."""
    return set(_INVOICE_NUMBER.findall(compact(normalize(page.text))))


def invoice_number(v: PageView) -> str | None:
    """An invoice number: after its label, a 数电 20-digit number, or a code and a number each
    printed on their own (the red figures of a paper invoice)."""
    labelled = sorted(invoice_numbers(v.page))
    if labelled:
        return f"发票号码 {labelled[0]}"
    digital = _first(_DIGITAL_NUMBER, v.line_texts)  # per line: digits of two lines never join
    if digital:
        return f"发票号码 {digital}"
    code = _first(_CODE_ALONE, v.line_texts)
    number = _first(_NUMBER_ALONE, v.line_texts)
    if code and number:
        return f"发票代码 {code}、号码 {number}"
    return None


_PARTY_LABEL = re.compile(
    r"购买方|销售方|购方|销方|购货单位|销货单位|购货方|销货方|付款方|收款方|付款单位|收款单位|顾客名称|客户名称"
    r"|纳税人识别号|纳税人名称|开票单位|购[^\s]{0,3}名称|销[^\s]{0,3}名称"
)


def invoice_party(v: PageView) -> str | None:
    """A party of the invoice: a party label with a taxpayer id or an organisation's name."""
    if "定额" in v.title:
        return "定额发票（不印购买方）"
    if not _PARTY_LABEL.search(v.text):
        return None
    for line in v.page.lines:
        for _, _, code, kind in find_codes(compact(line.text)):
            if kind in ("credit_code", "tax_id_15"):
                return f"纳税人识别号 {code}"
    name = org_name(v)
    return f"名称 {name}" if name else None


_MONEY = re.compile(r"¥\s?-?\d[\d,]*(?:\.\d{1,2})?|(?<![\d.])-?\d{1,3}(?:,\d{3})*\.\d{2}(?!\d)|(?<![\d.])\d+\.\d{2}(?!\d)")
_AMOUNT_WORDS = re.compile(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿]{2,}[圆元]")
_TOTAL_LABEL = re.compile(r"价税合计|合计|总计|金额|小写|票价|实收|应收")


def invoice_amount(v: PageView) -> str | None:
    """An amount beside a total label, in figures or in upper-case words."""
    if not _TOTAL_LABEL.search(v.text):
        return None
    m = _MONEY.search(v.text) or _AMOUNT_WORDS.search(v.text)
    return f"金额 {m.group(0)}" if m else None


_ROLE = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]{1,2}[)）、.]?)?(?P<role>"
    r"[甲乙丙](?:[（(][^)）]{1,3}[)）])?方|(?:委托|受托|授权|被授权|转让|受让|许可|被许可|出租|承租|发包|承包|借款|贷款)[方人]"
    r"|(?:买|卖|供|需|供货|购货|采购|供应|服务|设计|施工|合作|投资)方|(?:买受|出卖)人)"
)
_PARTY_MAX = 40
_SENTENCE = re.compile(r"[，。；,;！!？?]")
_ROLE_FILLER = re.compile(r"^[（(]?(?:盖章|公章|签字|签名|签章|章|法定代表人|授权代表|代表|日期)*[)）]?[:：]?$")


# 某某有限公司（以下简称“甲方”）: parties introduced in the preamble
_ROLE_IN_PROSE = re.compile(
    r"([\u4e00-\u9fff()]{4,}?(?:公司|厂|店|中心|事务所|研究院|研究所|大学|学院|医院))[（(]?以下(?:简称|称)[:：]?[“\"]?"
    r"(甲方|乙方|丙方|委托方|受托方|买方|卖方|供方|需方)"
)


def contract_parties(v: PageView) -> str | None:
    """Two parties under role words (甲方/乙方, 委托方/受托方, 卖方/买方, 甲（供）方 …), at least
    one of them named, on the same line or in the box to its right, or in the preamble
    (某某公司（以下简称“甲方”）)."""
    prose = {m.group(2): m.group(1) for m in _ROLE_IN_PROSE.finditer(v.text)}
    if len(prose) >= 2:
        return "；".join(f"{r}：{n}" for r, n in list(prose.items())[:2])
    roles: dict[str, str] = {}
    for line in v.page.lines:
        text = compact(line.text)
        m = _ROLE.match(text)
        if not m:
            continue
        role = m.group("role")
        rest = text[m.end():].lstrip(":：")
        if _ROLE_FILLER.match(rest) or not rest:
            nxt = right_of(v.page, line, max_gap=height(line.bbox) * 8)
            rest = compact(nxt[0].text).lstrip(":：") if nxt else ""
            if _ROLE_FILLER.match(rest):
                rest = ""
        name = re.sub(r"^[（(][^)）]*[)）][:：]?", "", rest)
        if len(name) > _PARTY_MAX or _SENTENCE.search(name):
            name = ""  # a clause about the party (乙方：保证…), not its name
        key = re.sub(r"[（(][^)）]*[)）]", "", role)
        if key not in roles or (not roles[key] and name):
            roles[key] = name if len(name) >= 2 else ""
    named = [f"{r}：{n}" for r, n in roles.items() if n]
    if len(roles) >= 2 and named:
        return "；".join(named[:2])
    return None


_AGREEMENT_TITLE = re.compile(r"合同|协议|契约|授权书|委托书|确认书")
_AGREEMENT_WORDS = re.compile(r"本合同|本协议|双方|签订|签署|生效|违约|经协商|约定|授权|条款")


def agreement_wording(v: PageView) -> str | None:
    m = _AGREEMENT_TITLE.search(v.title) or _AGREEMENT_WORDS.search(v.text)
    return m.group(0) if m else None


_STATEMENT_TITLE = re.compile(
    r"(?:合并|母公司)?(?:资产负债表|利润表|损益表|现金流量表|所有者权益变动表|股东权益变动表|利润及利润分配表)"
)
_STATEMENT_COLUMNS = re.compile(
    r"期末余额|期初余额|年初余额|上年年末余额|本期金额|上期金额|本期发生额|上期发生额|本年累计|本年金额|上年金额|上年同期"
    r"|本月金额|上年累计|年初数|期末数|本月数|行次"
)
_FIGURE = re.compile(r"(?<![\d.])-?\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?(?![\d])|(?<![\d.])-?\d+\.\d{2}(?!\d)")
MIN_STATEMENT_FIGURES = 3


def statement_title(v: PageView) -> str | None:
    """The statement's title (资产负债表, 合并利润表 …) in the title zone."""
    m = _STATEMENT_TITLE.search(v.title)
    return m.group(0) if m else None


def statement_table(v: PageView) -> str | None:
    """A table of line items with figures: a period column header and several figures."""
    column = _STATEMENT_COLUMNS.search(v.text)
    figures = sum(len(_FIGURE.findall(t)) for t in v.line_texts)
    if column and figures >= MIN_STATEMENT_FIGURES:
        return f"栏目“{column.group(0)}”及 {figures} 个数字"
    return None


_CONSOLE_WORDS = (
    "实例", "云服务器", "云主机", "虚拟机", "ecs", "cvm", "镜像", "安全组", "云盘", "快照", "对象存储", "存储桶", "bucket",
    "云数据库", "rds", "负载均衡", "弹性", "专有网络", "私有网络", "vpc", "公网ip", "带宽", "cdn", "waf", "容器", "域名",
    "运行中", "已停止", "云桌面", "费用中心", "账单", "资源",
)
_CELL_MAX = 24


def table_layout(v: PageView) -> str | None:
    """At least two rows of several short cells (separate boxes on one row, or blank-separated
    pieces of one line): a list or table, not prose."""
    rows = 0
    for row in text_rows(v.page):
        cells = [piece for ln in row for piece in normalize(ln.text).split(" ") if piece]
        if len(cells) >= 2 and all(len(c) <= _CELL_MAX for c in cells):
            rows += 1
    return f"{rows} 行表格" if rows >= 2 else None


# the programmes' own form titles (the rule packs' materials (1)): specific enough to name the form
PROGRAMME_FORM_TITLES = ("星级上云企业评定申请表", "企业上云业务及应用表", "企业上云服务商申报表", "上云服务商申报汇总表")


def programme_form_title(v: PageView) -> str | None:
    """A programme's own form title, tolerating one or two misread characters."""
    for title in PROGRAMME_FORM_TITLES:
        if title in v.text or _near(title, v.text):
            return title
    return None


_FORM_LABELS = ("企业名称", "申请单位", "申报单位", "单位名称", "统一社会信用代码", "联系人", "联系电话", "注册地址", "法定代表人",
                "申报类别", "所属行业", "注册资本", "从业人员", "职工人数", "是否上云", "佐证材料页码", "填表日期", "申报日期")
_ANNEX_DOMAINS = ("门户网站", "数据库", "存储资源", "计算资源", "内容安全", "协同工作工具", "设备管理", "财务管理")

REQUIREMENTS: dict[DocumentType, tuple[Requirement, ...]] = {
    T.business_license: (
        Requirement("标题“营业执照”", licence_title),
        Requirement("统一社会信用代码或注册号", registration_id),
        Requirement("企业名称或经营者", licence_holder),
    ),
    T.vat_invoice: (
        Requirement("发票号码", invoice_number),
        Requirement("购买方或销售方", invoice_party),
        Requirement("金额", invoice_amount),
    ),
    T.contract: (
        Requirement("甲方、乙方等合同当事人", contract_parties),
        Requirement("合同或协议的约定文字", agreement_wording),
    ),
    T.software_copyright_certificate: (
        Requirement("登记机构（国家版权局）", _found(r"国家版权局|版权保护中心|软著登字")),
        Requirement("证书号或登记号", _found(r"软著登字第?\d+号?|\d{4}SR\d{4,}")),
    ),
    T.software_product_certificate: (
        Requirement("发证机构", _found(r"软件行业协会|软件产业协会|工业和信息化|经济和信息化|信息产业|经信委|工信[厅局委]")),
        Requirement("证书编号", _found(r"[\u4e00-\u9fff]?[A-Z]{2,4}-\d{4}-\d{3,6}|证书编号[:：]?[A-Z\d][A-Z\d\-]{5,}")),
    ),
    T.telecom_license: (
        # the B1-/B2- numbering is the telecom authority's own: it names the issuer too
        Requirement("许可证编号（如 B1-20180001）", _found(r"[A-Z]\d(?:[.、][A-Z]\d)*-\d{8}")),
    ),
    T.test_report: (
        Requirement("测试结论、测试单位或报告编号", _found(r"(?:测试|检测|检验|测评)(?:结论|单位|机构)|报告编号|报告号")),
    ),
    T.audit_report: (
        Requirement("会计师事务所", _found(r"会计师事务所")),
        Requirement("审计意见或报告文号", _found(r"审计意见|审字|注册会计师|报告文号")),
    ),
    T.financial_statement: (
        Requirement("报表标题（资产负债表、利润表、现金流量表等）", statement_title),
        Requirement("带数字的报表项目表格", statement_table),
    ),
    T.cloud_console: (
        Requirement("云产品或实例", _at_least(1, _CONSOLE_WORDS, "云产品")),
        Requirement("列表或表格", table_layout),
    ),
    T.application_form: (
        Requirement("申请表或申报表标题", _any(programme_form_title, _found(r"申请表|申报表|汇总表|评定表"))),
        # a programme's own form title names the form; a generic 申请表 needs the form's fields
        Requirement("表格栏目（企业名称、统一社会信用代码等）",
                    _any(programme_form_title, _at_least(2, _FORM_LABELS, "栏目"), _at_least(2, _ANNEX_DOMAINS, "附表领域"))),
    ),
    T.bank_receipt: (
        Requirement("付款方和收款方", _found(r"(?:付款|收款)(?:人|方|账号|户名|单位)")),
        Requirement("金额", invoice_amount),
    ),
    T.deployment_statement: (
        Requirement("说明的标题", _found(r"说明|证明", where="title")),
        Requirement("“特此说明”或部署、上云的陈述", _found(r"特此(?:说明|证明)|部署|上云")),
    ),
}


def near_miss_name(v: PageView) -> str | None:
    """The title of a known document of another kind, when a line of the title zone ends with it
    (增值税及附加税费申报表, 中华人民共和国海关进口货物报关单, 某某公司送货单)."""
    for line in v.title_lines:
        text = _TITLE_TAIL.sub("", line)
        for rx in _KNOWN_OTHER:
            m = rx.search(text)
            if m:
                return m.group(0)
    return None


@dataclass
class PageClass:
    """What a page is: its type, how sure, why; what it resembles and its name when it is ``other``."""

    document_type: DocumentType
    confidence: float
    reason: str
    resembles: DocumentType | None = None  # the type an ``other`` page looks like
    name: str | None = None  # what an ``other`` page is, when the product can tell (食品经营许可证)
    evidence: list[str] = field(default_factory=list)  # the defining content found

    def note(self) -> str:
        """The page note: type in words and code, confidence and the reason."""
        label = self.name or TYPE_NAMES[self.document_type]
        return f"分类：{label}（{self.document_type.value}，置信度 {self.confidence:.2f}）：{self.reason}"


def _missing(dtype: DocumentType, v: PageView) -> tuple[list[str], list[str]]:
    """The defining content of ``dtype`` absent from the page, and what was found."""
    missing, found = [], []
    for req in REQUIREMENTS.get(dtype, ()):
        got = req.check(v)
        if got:
            if got not in found:
                found.append(got)
        else:
            missing.append(req.what)
    return missing, found


def _own_title(dtype: DocumentType, v: PageView, other: str) -> bool:
    """The type's own title is in the title zone, outside the other document's title (申报表 in
    增值税及附加税费申报表 is not an application form's title)."""
    rx = OWN_TITLES.get(dtype)
    return bool(rx and re.search(rx, v.title.replace(other, "")))


def classify(page: PageText) -> PageClass:
    """The document type of one page, earned by its defining content (see ``REQUIREMENTS``)."""
    scores = score_page(page)
    ranked = sorted(scores.items(), key=lambda kv: kv[1][0], reverse=True)
    v = PageView(page)
    name = near_miss_name(v)
    best, (best_score, best_cues) = ranked[0]
    cues_text = "、".join(best_cues) or "无"
    if best_score < MIN_SCORE:
        if name:
            return PageClass(T.other, 0.8, f"标题为“{name}”，不是本产品审查的材料类型", name=name)
        return PageClass(T.other, 0.5, f"没有可识别的材料特征（最接近 {best.value} {best_score:.1f}：{cues_text}）")
    misses: list[tuple[DocumentType, list[str]]] = []
    for i, (dtype, (score, cues)) in enumerate(ranked):
        if score < MIN_SCORE or (misses and score < FALLBACK_SHARE * best_score):
            # a type far behind the one the page resembles most is not what the page is (a
            # contract clause naming 云服务器 and 对象存储 is no console screenshot)
            break
        if dtype == T.other:
            why = f"其他材料的特征：{'、'.join(cues)}"
            return PageClass(T.other, 0.8, f"标题为“{name}”，{why}" if name else why,
                             resembles=misses[0][0] if misses else None, name=name)
        if name and dtype != T.cloud_console and not _own_title(dtype, v, name):
            return PageClass(T.other, 0.9, f"标题为“{name}”，像{TYPE_NAMES[dtype]}但不是本产品审查的材料类型",
                             resembles=dtype, name=name)
        missing, found = _missing(dtype, v)
        if not missing:
            rivals = [s for t, (s, _) in ranked if t != dtype]
            confidence = score / (score + max(0.0, rivals[0] if rivals else 0.0) + 2.0)
            confidence = round(min(0.99, max(0.3, confidence)), 3)
            earned = f"；具备：{'；'.join(found)}" if found else ""
            shown = "、".join(cues)
            after = f"（{TYPE_NAMES[misses[0][0]]}的要素不全）" if i else ""
            return PageClass(dtype, confidence, f"{dtype.value} {score:.1f}：{shown}{earned}{after}", evidence=found)
        misses.append((dtype, missing))
    if name:
        return PageClass(T.other, 0.9, f"标题为“{name}”，不是本产品审查的材料类型",
                         resembles=misses[0][0] if misses else None, name=name)
    dtype, missing = misses[0]
    return PageClass(T.other, 0.7, f"像{TYPE_NAMES[dtype]}，但没有{'、'.join(missing)}", resembles=dtype)


def classify_page(page: PageText) -> tuple[DocumentType, float, str]:
    """The document type of one page, a confidence in [0, 1] and the reason (see ``classify``)."""
    c = classify(page)
    return c.document_type, c.confidence, c.reason


_CONTINUATION = re.compile(r"销货清单|清单|续页")
# 共2页 第2页, 第2页/共2页, 2/2: a later page of one multi-page invoice
_LATER_PAGE = re.compile(r"共\d+页第([2-9]|\d{2,})页|第([2-9]|\d{2,})页/?共\d+页")


def is_invoice_continuation(page: PageText, previous: PageText) -> bool:
    """A 销货清单 / 续页 page that carries no invoice number other than the previous page's, or a
    later page (共 N 页 第 M 页) of the same multi-page invoice (the same number)."""
    text = compact(normalize(page.text))
    numbers = invoice_numbers(page)
    if _CONTINUATION.search(text):
        return not numbers or numbers <= invoice_numbers(previous)
    # the same invoice printed twice is a duplicate to flag, not a continuation: only a page that
    # says it is a later page of the invoice joins it
    return bool(numbers) and numbers <= invoice_numbers(previous) and bool(_LATER_PAGE.search(text))


def may_be_invoice_page(page: PageText, page_class: PageClass) -> bool:
    """Whether ``group_documents`` can put this page (classified ``page_class``) into an invoice
    document: an invoice page, or an ``other`` page that could continue the invoice before it
    (``is_invoice_continuation`` with some previous page). Pages of any other type never join one."""
    if page_class.document_type == T.vat_invoice:
        return True
    if page_class.document_type != T.other:
        return False
    text = compact(normalize(page.text))
    return bool(_CONTINUATION.search(text) or (_LATER_PAGE.search(text) and invoice_numbers(page)))


# multi-page documents whose middle pages may lack the type's cues
_BOUND_TYPES = (T.contract, T.application_form, T.audit_report, T.test_report, T.financial_statement)
# documents of their own: never absorbed as an interlude of a bound document (a statement inside
# an annual report's audit section, a licence copy bound into a contract)
_OWN_DOCUMENT_TYPES = (T.vat_invoice, T.financial_statement, T.business_license, T.software_copyright_certificate,
                       T.software_product_certificate, T.telecom_license, T.bank_receipt)
_MAX_INTERLUDE = 3
_BOUND_CONTINUATION = re.compile(r"条款|附件|附录|补充协议|第[一二三四五六七八九十百\d]+条|续页|（续）|\(续\)")


_PAGE_NUMBER = re.compile(r"第(\d{1,3})页")


def printed_page_number(page: PageText) -> int | None:
    """The page number printed in the page's footer or header (第 2 页, 第2页共3页)."""
    ordered = sorted(page.lines, key=lambda ln: ln.bbox[1])
    for line in ordered[-3:] + ordered[:2]:
        m = _PAGE_NUMBER.search(compact(line.text))
        if m:
            return int(m.group(1))
    return None


def _statement_of(page: PageText) -> str | None:
    """The statement a page starts (合并利润表 …), without a (续) continuation mark."""
    v = PageView(page)
    title = statement_title(v)
    if title is None or re.search(re.escape(title) + r"[（(]续[)）]", v.title):
        return None
    return title


def group_documents(pages: list[tuple[PageText, DocumentType, str]],
                    classes: dict[int, PageClass] | None = None) -> list[list[int]]:
    """Dossier page numbers grouped into documents.

    Consecutive pages of one file and one type form a document, except that a financial statement
    page that starts another statement (资产负债表, 利润表, 现金流量表 … inside an annual report)
    starts a document of its own; every invoice page starts a new document unless it is a
    continuation (销货清单, 续页, 共 N 页 第 M 页) of the invoice before it; an ``other`` page that
    resembles the type of the document before it in the same file (a contract's signature page, an
    audit report's schedules) continues it; ``other`` pages (or pages that read like another type,
    up to three, never an invoice, statement, licence or certificate) between two pages of one
    contract, application form or report in one file belong to it. Pages named as a known document
    of another kind (报关单 …) stay on their own. Pages of different files never merge.
    ``classes`` are the pages' classifications by page number where the caller has them (they are
    worked out again otherwise).
    """
    groups: list[list[int]] = []
    group_types: list[DocumentType] = []
    group_first: list[PageText] = []
    group_names: list[str | None] = []  # the near-miss name of an ``other`` group
    group_statement: list[str | None] = []
    prev_file: str | None = None
    i = 0
    while i < len(pages):
        page, dtype, file = pages[i]
        same_file = bool(groups) and file == prev_file
        last_type = group_types[-1] if groups else None
        named = ((classes or {}).get(page.page) or classify(page)) if dtype == T.other else None
        statement = _statement_of(page) if dtype == T.financial_statement else None
        joined = False
        if same_file:
            if last_type == T.vat_invoice and dtype in (T.vat_invoice, T.other):
                joined = is_invoice_continuation(page, group_first[-1])
            elif dtype == T.other and last_type == T.other:
                joined = named is not None and named.name == group_names[-1]
            elif dtype == last_type == T.financial_statement:
                joined = statement is None or statement == group_statement[-1]
            elif dtype == last_type and dtype != T.vat_invoice:
                joined = True
            elif named is not None and named.name:
                joined = False  # a known document of another kind is a document of its own
            elif named is not None and last_type is not None and named.resembles == last_type:
                joined = True  # reads like the document before it but lacks its defining content
            elif (dtype == T.other and last_type in _BOUND_TYPES and (n := printed_page_number(page)) is not None
                  and printed_page_number(pages[i - 1][0]) == n - 1):
                joined = True  # its printed page number follows the previous page's (第1页 → 第2页)
            elif dtype == T.other and last_type in _BOUND_TYPES and _BOUND_CONTINUATION.search(compact(page.text)):
                # a page that reads as more of the same (附加条款, 附件, 第十条 …) after a contract
                # or report page of the same file is its continuation
                joined = True
            elif last_type in _BOUND_TYPES and dtype not in _OWN_DOCUMENT_TYPES:
                # Pages of one bound document that read like something else (a contract's
                # plain continuation page, an application form's page describing its cloud
                # use) stay with it when the same file returns to the document's type.
                j = i
                while (j < len(pages) and j - i < _MAX_INTERLUDE and pages[j][2] == file
                       and pages[j][1] != last_type and pages[j][1] not in _OWN_DOCUMENT_TYPES):
                    j += 1
                if j < len(pages) and pages[j][1] == last_type and pages[j][2] == file:
                    for k in range(i, j):
                        groups[-1].append(pages[k][0].page)
                    i = j
                    prev_file = file
                    continue
        if joined:
            groups[-1].append(page.page)
            if statement:
                group_statement[-1] = statement
        else:
            groups.append([page.page])
            group_types.append(dtype)
            group_first.append(page)
            group_names.append(named.name if named else None)
            group_statement.append(statement)
        prev_file = file
        i += 1
    return groups
