"""Page layouts for the Zhengzhou cloud-provider and "double soft" sample dossiers (mm, top-left),
written against the same Painter protocol as ``_docs`` and reusing its seals, cells and licence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from _codes import fmt_thousands
from _data import Company
from _docs import cn_date, seal, signature, table_cell
from _draw import Painter, SealSpec, paragraph

Page = Callable[[Painter], None]


@dataclass
class TelecomLicence:
    holder: Company
    number: str
    business: list[tuple[str, str]]  # (code, name with its scope)
    coverage: str
    issue_date: dt.date
    valid_until: dt.date
    authority: str


def kv_rows(p: Painter, x: float, y: float, rows: list[tuple[str, str]], *, label_w: float = 36.0,
            size: float = 11.0, step: float = 9.5, max_w: float = 120.0) -> float:
    """Label and value as separate strings on one baseline (a form's two cells)."""
    for label, value in rows:
        p.text(x, y, label, size, bold=True)
        y = paragraph(p, x + label_w, y, value, size, max_w, leading=1.5)
        y += step - size * 0.3528 * 1.5
    return y


# ---------------------------------------------------------------------------------------------
# Zhengzhou 2018 cloud-provider call


def provider_form_pages(applicant: Company, *, kind: str, platform: str, services: str, contact: str,
                        mobile: str, staff: int, submitted: dt.date, seed: int) -> list[Page]:
    kinds = [("综合云平台服务商", "integrated"), ("行业云平台服务商", "industry"), ("云应用服务商", "application")]

    def page1(p: Painter) -> None:
        p.text(105, 28, "郑州市首批企业上云服务商申报表", 19, anchor="c", bold=True)
        x0, c1, c2 = 18.0, 40.0, 134.0
        y = 40.0
        boxes = "   ".join(("■" if k == kind else "□") + name for name, k in kinds)
        rows = [
            ("申报单位", applicant.name, 10),
            ("统一社会信用代码", applicant.credit_code, 10),
            ("注册地址", applicant.address, 10),
            ("法定代表人", applicant.legal_rep, 10),
            ("申报类别", boxes, 10),
            ("云平台名称", platform, 10),
            ("主要服务内容", services, 34),
            ("从业人员", f"{staff} 人", 10),
            ("联系人", contact, 10),
            ("联系电话", mobile, 10),
        ]
        for label, value, h in rows:
            table_cell(p, x0, y, c1, h, label, 10.5, bold=True)
            table_cell(p, x0 + c1, y, c2, h, value, 10.5, align="l")
            y += h
        y += 10
        p.text(x0, y, "申报单位承诺", 11, bold=True)
        y = paragraph(p, x0, y + 7, "本单位承诺所提交的申报材料真实、准确、完整，如有虚假，愿承担相应责任。", 10.5, 170,
                      indent=True)
        p.text(112, y + 16, "申报单位（盖章）：", 10.5)
        p.text(112, y + 32, f"申报日期：{cn_date(submitted)}", 10.5)
        seal(p, SealSpec(applicant.name, serial="4101000" + applicant.credit_code[-6:]), 120, y + 2, seed=seed + 1)
        p.text(105, 288, "— 1 —", 9, anchor="c")

    def page2(p: Painter) -> None:
        p.text(105, 28, "郑州市企业上云服务商申报汇总表", 17, anchor="c", bold=True)
        p.text(18, 40, "报送单位：郑州高新技术产业开发区经济发展局", 10.5)
        cols = [("序号", 12.0), ("企业名称", 58.0), ("申报类别", 36.0), ("平台或产品名称", 40.0), ("联系人", 28.0)]
        x, y = 18.0, 46.0
        for s, w in cols:
            table_cell(p, x, y, w, 9, s, 10, bold=True)
            x += w
        y += 9
        label = next(name for name, k in kinds if k == kind)
        x = 18.0
        for (_, w), s in zip(cols, ["1", applicant.name, label, platform, contact], strict=True):
            table_cell(p, x, y, w, 12, s, 9.5, align="c" if w < 30 else "l")
            x += w
        p.text(18, y + 24, "注：纸质材料一式三份，与汇总表一并报送；电子版发送至指定邮箱。", 9.5)
        p.text(105, 288, "— 2 —", 9, anchor="c")

    return [page1, page2]


def telecom_licence_page(lic: TelecomLicence, seed: int) -> Page:
    def draw(p: Painter) -> None:
        W = p.width_mm
        frame = (160, 40, 40)
        p.rect(8, 8, W - 16, p.height_mm - 16, color=frame, width=1.2)
        p.text(W / 2, 34, "中华人民共和国", 16, anchor="c", bold=True)
        p.text(W / 2, 48, "增值电信业务经营许可证", 24, anchor="c", bold=True)
        p.text(W / 2, 62, f"经营许可证编号：{lic.number}", 12, anchor="c")
        y = kv_rows(p, 28, 82, [
            ("公司名称：", lic.holder.name),
            ("法定代表人：", lic.holder.legal_rep),
            ("注册住所：", lic.holder.address),
            ("业务种类：", "\n".join(f"{code} {name}" for code, name in lic.business)),
            ("业务覆盖范围：", lic.coverage),
        ], label_w=32, max_w=128)
        p.text(28, y + 6, f"有效期至：{cn_date(lic.valid_until, pad=True)}", 12, bold=True)
        p.text(28, y + 18, "特别规定事项：经营者应当按照本许可证载明的业务种类和覆盖范围开展经营活动。", 9.5)
        p.text(W - 30, 250, lic.authority, 12, anchor="r")
        p.text(W - 30, 260, cn_date(lic.issue_date), 12, anchor="r")
        seal(p, SealSpec(lic.authority), W - 80, 228, seed=seed)

    return draw


# ---------------------------------------------------------------------------------------------
# Double soft


def copyright_page(holder: Company, *, cert_no: str, reg_no: str, software: str, completed: dt.date,
                   published: dt.date, issued: dt.date, seed: int) -> Page:
    def draw(p: Painter) -> None:
        W = p.width_mm
        p.rect(10, 10, W - 20, p.height_mm - 20, color=(150, 120, 60), width=1.0)
        p.text(W / 2, 40, "中华人民共和国国家版权局", 14, anchor="c", bold=True)
        p.text(W / 2, 56, "计算机软件著作权登记证书", 22, anchor="c", bold=True)
        p.text(W - 26, 68, f"证书号：{cert_no}", 10.5, anchor="r")
        kv_rows(p, 30, 88, [
            ("软件名称：", software),
            ("著作权人：", holder.name),
            ("开发完成日期：", cn_date(completed, pad=True)),
            ("首次发表日期：", cn_date(published, pad=True)),
            ("权利取得方式：", "原始取得"),
            ("权利范围：", "全部权利"),
            ("登记号：", reg_no),
        ], label_w=34, max_w=120, step=12)
        paragraph(p, 30, 190, "根据《计算机软件保护条例》和《计算机软件著作权登记办法》的规定，经中国版权保护中心审核，"
                  "对以上事项予以登记。", 10.5, 150, indent=True)
        p.text(W - 40, 250, cn_date(issued, pad=True), 11, anchor="r")
        seal(p, SealSpec("中华人民共和国国家版权局"), W - 82, 222, seed=seed)

    return draw


def product_certificate_page(holder: Company, *, cert_no: str, product: str, issued: dt.date,
                             valid_until: dt.date, authority: str, seed: int) -> Page:
    def draw(p: Painter) -> None:
        W = p.width_mm
        p.rect(10, 10, W - 20, p.height_mm - 20, color=(40, 80, 150), width=1.0)
        p.text(W / 2, 50, "软件产品登记证书", 24, anchor="c", bold=True)
        kv_rows(p, 30, 84, [
            ("证书编号：", cert_no),
            ("软件产品名称：", product),
            ("申请企业：", holder.name),
            ("有效期至：", cn_date(valid_until, pad=True)),
            ("发证日期：", cn_date(issued, pad=True)),
        ], label_w=36, max_w=120, step=12)
        paragraph(p, 30, 160, "经审查，该软件产品符合《软件产品管理办法》的规定，准予登记，特发此证。", 10.5, 150,
                  indent=True)
        p.text(W - 36, 240, authority, 11, anchor="r")
        seal(p, SealSpec(authority), W - 84, 212, seed=seed)

    return draw


def test_report_page(holder: Company, *, number: str, product: str, body: Company, tested: dt.date,
                     seed: int) -> Page:
    def draw(p: Painter) -> None:
        W = p.width_mm
        p.text(W / 2, 40, "软件产品登记测试报告", 22, anchor="c", bold=True)
        y = kv_rows(p, 30, 64, [
            ("报告编号：", number),
            ("产品名称：", product),
            ("委托单位：", holder.name),
            ("检测单位：", body.name),
            ("测试依据：", "GB/T 25000.51-2016《系统与软件工程 系统与软件质量要求和评价（SQuaRE）第51部分》"),
            ("报告日期：", cn_date(tested, pad=True)),
        ], label_w=28, max_w=130, step=11)
        p.text(30, y + 6, "测试结论", 12, bold=True)
        paragraph(p, 30, y + 14, f"经测试，《{product}》的功能性、可靠性、易用性、效率、维护性和可移植性均符合"
                  "GB/T 25000.51-2016 的要求，测试通过。", 10.5, 150, indent=True)
        p.text(W - 36, 250, body.name, 11, anchor="r")
        seal(p, SealSpec(body.name, "检验检测专用章"), W - 84, 222, seed=seed)

    return draw


def _table(p: Painter, x: float, y: float, widths: list[float], rows: list[list[str]], *, h: float = 8.0,
           header: bool = True) -> float:
    for r, row in enumerate(rows):
        xx = x
        for c, (w, s) in enumerate(zip(widths, row, strict=True)):
            table_cell(p, xx, y, w, h, s, 9.5, align="l" if c == 0 else "c", bold=header and r == 0)
            xx += w
        y += h
    return y


def income_statement_page(holder: Company, *, year: int, rows: list[tuple[str, Decimal, Decimal]]) -> Page:
    """利润表 in yuan: (label, this year, last year)."""

    def draw(p: Painter) -> None:
        p.text(105, 28, "利  润  表", 20, anchor="c", bold=True)
        p.text(190, 36, "会企02表", 9, anchor="r")
        p.text(18, 44, f"编制单位：{holder.name}", 10)
        p.text(110, 44, f"{year}年度", 10)
        p.text(190, 44, "单位：元", 10, anchor="r")
        body = [["项目", "本期金额", "上期金额"]]
        body += [[label, fmt_thousands(a), fmt_thousands(b)] for label, a, b in rows]
        _table(p, 18, 48, [84, 44, 44], body)
        p.text(18, 270, "单位负责人：", 10)
        p.text(80, 270, "主管会计工作负责人：", 10)
        p.text(150, 270, "会计机构负责人：", 10)

    return draw


def audit_report_pages(holder: Company, firm: Company, *, number: str, year: int, issued: dt.date,
                       income: list[tuple[str, Decimal]], staff: list[tuple[str, int]], cpas: tuple[str, str],
                       seed: int) -> list[Page]:
    """A three-page special audit report: opinion, revenue and R&D table (万元), staff table."""
    title = f"关于{holder.name}{year}年度软件企业认定专项审计报告"

    def head(p: Painter, n: int) -> None:
        p.text(105, 16, "专项审计报告", 9, anchor="c")
        p.text(105, 288, f"第 {n} 页 共 3 页", 9, anchor="c")

    def page1(p: Painter) -> None:
        head(p, 1)
        y = paragraph(p, 22, 32, title, 16, 166, leading=1.5, bold=True)
        p.text(188, y + 2, number, 10, anchor="r")
        y += 12
        p.text(22, y, f"{holder.name}全体股东：", 11)
        text = (f"我们接受委托，对{holder.name}（以下简称“贵公司”）{year}年度与软件企业认定相关的营业收入、"
                "软件产品收入、自主软件收入、研究开发费用及职工人数情况进行了专项审计。贵公司管理层对所提供资料的真实性、"
                "完整性负责，我们的责任是在实施审计工作的基础上发表审计意见。我们按照中国注册会计师审计准则的规定执行了审计工作。")
        y = paragraph(p, 22, y + 9, text, 11, 166, leading=1.75, indent=True)
        p.text(22, y + 6, "审计意见", 12, bold=True)
        opinion = ("我们认为，后附的软件企业认定专项审计明细表在所有重大方面按照企业会计准则的规定编制，"
                   f"公允反映了贵公司{year}年度软件企业认定相关的收入、研究开发费用和人员情况。")
        y = paragraph(p, 22, y + 14, opinion, 11, 166, leading=1.75, indent=True)
        p.text(22, y + 20, firm.name, 11)
        p.text(120, y + 20, f"中国注册会计师：{cpas[0]}", 11)
        p.text(120, y + 32, f"中国注册会计师：{cpas[1]}", 11)
        p.text(22, y + 32, "中国·郑州", 11)
        p.text(120, y + 46, cn_date(issued), 11)
        p.image(signature(cpas[0], seed), 158, y + 13, 20, 8)
        p.image(signature(cpas[1], seed + 1), 158, y + 25, 20, 8)
        seal(p, SealSpec(firm.name), 24, y + 8, seed=seed + 2)

    def page2(p: Painter) -> None:
        head(p, 2)
        p.text(105, 30, "软件企业认定专项审计明细表（一）收入及研究开发费用", 13, anchor="c", bold=True)
        p.text(22, 40, f"被审计单位：{holder.name}", 10)
        p.text(188, 40, "金额单位：人民币万元", 10, anchor="r")
        body = [["项目", f"{year}年度", "备注"]]
        body += [[label, fmt_thousands(v), ""] for label, v in income]
        _table(p, 22, 44, [86, 40, 40], body)

    def page3(p: Painter) -> None:
        head(p, 3)
        p.text(105, 30, "软件企业认定专项审计明细表（二）人员情况", 13, anchor="c", bold=True)
        p.text(22, 40, f"被审计单位：{holder.name}", 10)
        p.text(188, 40, f"截至{year}年12月31日", 10, anchor="r")
        body = [["项目", "人数", "占职工总数比例"]]
        total = staff[0][1]
        body += [[label, str(n), f"{Decimal(n * 100) / Decimal(total):.2f}%"] for label, n in staff]
        _table(p, 22, 44, [86, 40, 40], body)

    return [page1, page2, page3]
