"""Which kind of document a page is, and which pages form one document.

Classification scores weighted cue words per document type (``CUES``, data, not code) on the
page's compacted text, so that OCR spacing does not matter; long cues also match fuzzily, so one
misread character does not lose them. Cues in the page's first lines (its title) count more.
Negative cues (``NEGATIVE_CUES``) keep look-alikes apart: a delivery note has amounts, company names
and a 单价/金额 table, but it is not an invoice.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

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


def _score(text: str, title: str, cues: dict[str, float]) -> tuple[float, list[str]]:
    score = 0.0
    matched: list[str] = []
    for cue, weight in cues.items():
        if cue in text:
            bonus = 1.0 + (TITLE_BONUS if cue in title else 0.0)
            score += weight * bonus
            matched.append(cue)
        elif len(cue) >= FUZZY_MIN_LEN and text and fuzz.partial_ratio(cue, text) >= FUZZY_THRESHOLD:
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


def classify_page(page: PageText) -> tuple[DocumentType, float, str]:
    """The document type of one page, a confidence in [0, 1] and the cues that decided it."""
    scores = score_page(page)
    ranked = sorted(scores.items(), key=lambda kv: kv[1][0], reverse=True)
    (best, (best_score, best_cues)), (_, (second_score, _)) = ranked[0], ranked[1]
    if best_score < MIN_SCORE:
        return T.other, 0.5, f"no document cues (best {best.value} {best_score:.1f}: {', '.join(best_cues) or '-'})"
    confidence = best_score / (best_score + max(0.0, second_score) + 2.0)
    confidence = round(min(0.99, max(0.3, confidence)), 3)
    return best, confidence, f"{best.value} {best_score:.1f}: {', '.join(best_cues)}"


_CONTINUATION = re.compile(r"销货清单|清单|续页")
_INVOICE_NUMBER = re.compile(r"(?:发票号码|号码|No\.?)[:：]?(\d{20}|\d{8})", re.IGNORECASE)


def invoice_numbers(page: PageText) -> set[str]:
    """Invoice numbers printed after a 号码 / No label on the page."""
    return set(_INVOICE_NUMBER.findall(compact(normalize(page.text))))


def is_invoice_continuation(page: PageText, previous: PageText) -> bool:
    """A 销货清单 / 续页 page that carries no invoice number other than the previous page's."""
    text = compact(normalize(page.text))
    if not _CONTINUATION.search(text):
        return False
    numbers = invoice_numbers(page)
    return not numbers or numbers <= invoice_numbers(previous)


# multi-page documents whose middle pages may lack the type's cues
_BOUND_TYPES = (T.contract, T.application_form, T.audit_report, T.test_report, T.financial_statement)
_MAX_INTERLUDE = 3
_BOUND_CONTINUATION = re.compile(r"条款|附件|附录|补充协议|第[一二三四五六七八九十百\d]+条|续页|（续）|\(续\)")


def group_documents(pages: list[tuple[PageText, DocumentType, str]]) -> list[list[int]]:
    """Dossier page numbers grouped into documents.

    Consecutive pages of one file and one type form a document; every invoice page starts a new
    document unless it is a continuation (销货清单 / 续页) of the invoice before it; ``other``
    pages (or pages that read like another type, up to three) between two pages of one contract,
    application form or report in one file belong to it. Pages of different files never merge.
    """
    groups: list[list[int]] = []
    group_types: list[DocumentType] = []
    group_first: list[PageText] = []
    prev_file: str | None = None
    i = 0
    while i < len(pages):
        page, dtype, file = pages[i]
        same_file = bool(groups) and file == prev_file
        last_type = group_types[-1] if groups else None
        joined = False
        if same_file:
            if last_type == T.vat_invoice and dtype in (T.vat_invoice, T.other):
                joined = is_invoice_continuation(page, group_first[-1])
            elif dtype == last_type and dtype != T.vat_invoice:
                joined = True
            elif dtype == T.other and last_type in _BOUND_TYPES and _BOUND_CONTINUATION.search(compact(page.text)):
                # a page that reads as more of the same (附加条款, 附件, 第十条 …) after a contract
                # or report page of the same file is its continuation
                joined = True
            elif last_type in _BOUND_TYPES and dtype != T.vat_invoice:
                # Pages of one bound document that read like something else (a contract's
                # plain continuation page, an application form's page describing its cloud
                # use) stay with it when the same file returns to the document's type.
                j = i
                while (j < len(pages) and j - i < _MAX_INTERLUDE and pages[j][2] == file
                       and pages[j][1] not in (last_type, T.vat_invoice)):
                    j += 1
                if j < len(pages) and pages[j][1] == last_type and pages[j][2] == file:
                    for k in range(i, j):
                        groups[-1].append(pages[k][0].page)
                    i = j
                    prev_file = file
                    continue
        if joined:
            groups[-1].append(page.page)
        else:
            groups.append([page.page])
            group_types.append(dtype)
            group_first.append(page)
        prev_file = file
        i += 1
    return groups
