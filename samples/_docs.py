"""Page layouts of the sample documents, written once against the Painter protocol (mm, top-left)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from _codes import fmt_thousands
from _data import Company, Contract, Dossier, Invoice
from _draw import INK, MM_PER_PT, Painter, SealSpec, draw_seal, fake_qr, paragraph, real_qr, wrap
from PIL import Image, ImageDraw

A4 = (210.0, 297.0)
INVOICE_PAGE = (241.0, 140.0)


def cn_date(d: dt.date, pad: bool = False) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日" if pad else f"{d.year}年{d.month}月{d.day}日"


def signature(name: str, seed: int, height_mm: float = 9.0) -> Image.Image:
    """A handwritten-looking signature in blue-black ink (an image: signatures have no text layer)."""
    from _draw import pil_font

    k = 12
    f = pil_font(height_mm * k * 0.8, bold=False)
    w = round(f.getlength(name) * 1.1) + 20
    im = Image.new("L", (w, round(height_mm * k * 1.3)), 0)
    d = ImageDraw.Draw(im)
    x = 10.0
    for i, ch in enumerate(name):
        g = Image.new("L", (round(height_mm * k), round(height_mm * k * 1.2)), 0)
        ImageDraw.Draw(g).text((4, round(height_mm * k)), ch, font=f, fill=255, anchor="ls", stroke_width=1)
        g = g.rotate(12 - 6 * ((seed + i) % 3), resample=Image.Resampling.BICUBIC)
        g = g.transform(g.size, Image.Transform.AFFINE, (1, 0.35, -10, 0, 1, 0), resample=Image.Resampling.BICUBIC)
        im.paste(255, (round(x), (i % 2) * 6), g)
        x += f.getlength(ch) * 0.82
    d.line([(6, im.height - 14), (x + 20, im.height - 24)], fill=200, width=3)
    rgba = Image.new("RGBA", im.size, (25, 35, 90, 0))
    rgba.putalpha(im.point(lambda v: int(v * 0.9)))
    return rgba


def seal(p: Painter, spec: SealSpec, x: float, y: float, seed: int, w: float = 42.0, h: float | None = None) -> None:
    """Stamp a seal with its top-left corner at (x, y) mm."""
    h = h or w
    p.image(draw_seal(spec, w, h, seed=seed), x, y, w, h)


# ---------------------------------------------------------------------------------------------
# 01 application form


def table_cell(p: Painter, x: float, y: float, w: float, h: float, s: str, size: float = 9.5, *,
               align: str = "c", bold: bool = False, lines: bool = True) -> None:
    if lines:
        p.rect(x, y, w, h, width=0.25)
    if not s:
        return
    rows = wrap(p, s, size, w - 2.4)
    lh = size * MM_PER_PT * 1.3
    y0 = y + h / 2 - lh * len(rows) / 2 + size * MM_PER_PT * 0.95
    for i, r in enumerate(rows):
        if align == "c":
            p.text(x + w / 2, y0 + i * lh, r, size, anchor="c", bold=bold)
        else:
            p.text(x + 1.5, y0 + i * lh, r, size, bold=bold)


def form_pages(ds: Dossier, annex: list[dict[str, object]]) -> list[Callable[[Painter], None]]:
    a = ds.applicant

    def page1(p: Painter) -> None:
        p.text(105, 32, "星级上云企业评定申请表", 22, anchor="c", bold=True)
        p.text(40, 50, "申报企业：", 12)
        p.text(62, 50, f"{a.name}（盖章）", 12)
        p.line(61, 51.5, 172, 51.5, width=0.2)
        d = ds.fill_date
        p.text(40, 60, f"填报日期：  {d.year} 年  {d.month} 月  {d.day} 日", 12)
        p.text(105, 70, "济南市工业和信息化局编制", 11, anchor="c")
        seal(p, SealSpec(a.name, serial=ds.licence.serial[:13]), 118, 33, seed=ds.seed * 100 + 1)

        x0, y = 18.0, 80.0
        c0, c1 = 14.0, 34.0  # section column, label column
        rows: list[tuple[str, list[tuple[str, float, bool]], float]] = [
            ("中文名称", [(a.name, 128, False)], 9),
            ("单位性质", [("有限责任公司（企业法人）", 128, False)], 9),
            ("注册地址", [(a.address, 128, False)], 9),
            ("统一社会信用代码", [(a.credit_code, 50, False), ("注册资金(万元)", 34, True), ("500", 44, False)], 9),
            ("法人代表", [("姓名", 18, True), (a.legal_rep, 32, False), ("电话", 34, True), (a.phone, 44, False)], 9),
            ("联系人", [("姓名", 18, True), (ds.contact, 32, False), ("职务", 34, True), (ds.contact_title, 44, False)], 9),
            ("", [("办公电话", 18, True), (ds.contact_phone, 32, False), ("手机", 34, True), (ds.contact_mobile, 44, False)], 9),
            ("", [("电子邮箱", 18, True), (ds.contact_email, 110, False)], 9),
            ("企业规模", [("总人数", 18, True), (f"{ds.staff} 人", 32, False), ("使用云服务人员数量", 34, True),
                          (f"{ds.cloud_staff} 人", 44, False)], 11),
            ("申请评定星级", [("三星级", 128, False)], 9),
            ("云服务部署模型", [("公有云", 128, False)], 9),
            ("上云合作机构", [(ds.provider_a.name, 128, False)], 9),
            ("上云开始时间", [(cn_date(ds.cloud_start), 128, False)], 9),
            ("所处行业", [(ds.industry, 128, False)], 9),
        ]
        total_h = sum(r[2] for r in rows)
        p.rect(x0, y, c0, total_h, width=0.25)
        for i, ch in enumerate("申请单位基本情况"):
            p.text(x0 + c0 / 2, y + total_h / 2 - 4 * 6.2 + 4.5 + i * 6.2, ch, 10.5, anchor="c", bold=True)
        yy = y
        merged = {"联系人": 3}
        skip = 0
        for label, cells, h in rows:
            if skip:
                skip -= 1
            else:
                span = merged.get(label, 1)
                hh = sum(r[2] for r in rows[rows.index((label, cells, h)):][:span])
                table_cell(p, x0 + c0, yy, c1, hh, label, 9.5, bold=True)
                skip = span - 1
            xx = x0 + c0 + c1
            for s, w, is_label in cells:
                table_cell(p, xx, yy, w, h, s, 9.5 if is_label else 10, align="c" if is_label else "l",
                           bold=is_label)
                xx += w
            yy += h
        notes = ["1、本申请表由济南市工业和信息化局统一编制。",
                 "2、填写本申请表时，一律用宋体、小四号字体填写。",
                 "3、申请企业需要准备提交的材料包括申请表及配套证明材料（胶装成册）。请按要求在申请表上统一加盖公章。",
                 "4、如有任何疑问，可致电或发送电子邮件咨询。"]
        yy += 14
        p.text(x0, yy, "填表说明", 10.5, bold=True)
        for s in notes:
            # paragraph() returns the next baseline; step back one line so the loop's +6.5 spaces items
            yy = paragraph(p, x0 + 4, yy + 6.5, s, 9.5, 170, leading=1.6) - 9.5 * MM_PER_PT * 1.6
        p.text(105, 289, "— 1 —", 9, anchor="c")

    def page2(p: Painter) -> None:
        x0, w0, w1 = 18.0, 22.0, 152.0
        scope = (
            f"我公司自{cn_date(ds.cloud_start)}起通过{ds.provider_a.name}采购阿里云公有云服务，"
            "将企业门户网站、ERP 系统及设备运维管理系统部署上云：租用云服务器 ECS 3 台承载网站与业务应用，"
            "使用云数据库 RDS（MySQL）承载业务数据库，使用对象存储 OSS 存放图纸、合同等工作文件及每日备份，"
            "门户网站通过 CDN 加速对外访问。同时委托济南明湖数码软件有限公司定制开发设备运维管理系统，"
            "实现设备台账、维修工单和备品备件的线上管理。上云业务详见附表勾选项及证明材料页码。"
        )
        effect = (
            "上云后，公司 IT 硬件投入较自建机房方式下降约 40%，服务器运维人力由 2 人减为 1 人；"
            "网站平均访问时延由 1.2 秒降至 0.3 秒，全年可用率 99.9% 以上；业务数据每日自动备份，"
            "数据安全得到保障；设备故障报修至派工平均用时由 4 小时缩短到 1 小时，设备综合效率提升约 8%。"
        )
        y = 20.0
        for label, body, h in (("上云范围及内容简介", scope, 78.0), ("上云效果说明", effect, 62.0)):
            p.rect(x0, y, w0, h, width=0.25)
            p.rect(x0 + w0, y, w1, h, width=0.25)
            for i, ln in enumerate(wrap(p, label, 10.5, w0 - 6)):
                p.text(x0 + w0 / 2, y + h / 2 - 6 + i * 5.5, ln, 10.5, anchor="c", bold=True)
            paragraph(p, x0 + w0 + 3, y + 8, body, 10.5, w1 - 6, leading=1.75, indent=True)
            y += h
        h = 70.0
        p.rect(x0, y, w0, h, width=0.25)
        p.rect(x0 + w0, y, w1, h, width=0.25)
        p.text(x0 + w0 / 2, y + h / 2 - 2, "真实性", 10.5, anchor="c", bold=True)
        p.text(x0 + w0 / 2, y + h / 2 + 4, "承诺", 10.5, anchor="c", bold=True)
        paragraph(p, x0 + w0 + 3, y + 10, "我单位申报的所有材料，均真实、完整，如有不实，愿承担相应的责任。", 10.5,
                  w1 - 6, indent=True)
        p.text(x0 + w0 + 60, y + 32, "法人代表（签字）：", 10.5)
        p.image(signature(a.legal_rep, ds.seed), x0 + w0 + 95, y + 24, 24, 10)
        p.text(x0 + w0 + 60, y + 46, "申报单位（公章）：", 10.5)
        d = ds.fill_date
        p.text(x0 + w0 + 90, y + 60, f"{d.year} 年 {d.month} 月 {d.day} 日", 10.5)
        seal(p, SealSpec(a.name, serial=ds.licence.serial[:13]), x0 + w0 + 88, y + 26, seed=ds.seed * 100 + 2)
        y += h
        h = 40.0
        p.rect(x0, y, w0, h, width=0.25)
        p.rect(x0 + w0, y, w1, h, width=0.25)
        for i, ln in enumerate(("各区县", "推荐意见")):
            p.text(x0 + w0 / 2, y + h / 2 - 2 + i * 6, ln, 10.5, anchor="c", bold=True)
        p.text(x0 + w0 + 90, y + 24, "签章：", 10.5)
        p.text(x0 + w0 + 90, y + 34, "年    月    日", 10.5)
        p.text(105, 289, "— 2 —", 9, anchor="c")

    def page3(p: Painter) -> None:
        p.text(18, 16, "附表", 11, bold=True)
        p.text(105, 24, "企业上云业务及应用表", 15, anchor="c", bold=True)
        x0 = 18.0
        widths = [20.0, 30.0, 48.0, 32.0, 44.0]
        heads = ["类", "子类", "域", "是否上云/满足", "证明材料在申报书中的页码"]
        y = 30.0
        hh = 9.0
        xx = x0
        for w, s in zip(widths, heads, strict=True):
            table_cell(p, xx, y, w, hh, s, 9, bold=True)
            xx += w
        y += hh
        rh = 4.3
        # merged category / sub-category cells
        def spans(key: str) -> list[tuple[str, int]]:
            out: list[tuple[str, int]] = []
            for r in annex:
                k = str(r[key]) if key == "category" else f"{r['category']}/{r['subcategory']}"
                if out and out[-1][0] == k:
                    out[-1] = (k, out[-1][1] + 1)
                else:
                    out.append((k, 1))
            return out
        yy = y
        for k, n in spans("category"):
            table_cell(p, x0, yy, widths[0], rh * n, k, 8.5, bold=True)
            yy += rh * n
        yy = y
        for k, n in spans("subcategory"):
            table_cell(p, x0 + widths[0], yy, widths[1], rh * n, k.split("/", 1)[1], 8)
            yy += rh * n
        for i, r in enumerate(annex):
            yy = y + i * rh
            xx = x0 + widths[0] + widths[1]
            table_cell(p, xx, yy, widths[2], rh, str(r["domain"]), 8)
            table_cell(p, xx + widths[2], yy, widths[3], rh, "是" if r["on_cloud"] else "", 8.5)
            pages = r["pages"]
            assert isinstance(pages, list)
            table_cell(p, xx + widths[2] + widths[3], yy, widths[4], rh, "、".join(str(n) for n in pages), 8.5)
        p.text(105, 289, "— 3 —", 9, anchor="c")

    return [page1, page2, page3]


ANNEX_ROWS: list[tuple[str, str, list[str]]] = [
    ("基础系统上云", "IT资源", ["门户网站", "数据库", "存储资源", "计算资源"]),
    ("基础系统上云", "安全防护", ["内容安全", "业务安全", "网络安全"]),
    ("基础系统上云", "办公协同", ["工作文件存储和备份", "协同工作工具"]),
    ("基础系统上云", "会议系统", ["电话会议系统", "视频会议系统"]),
    ("管理上云", "人力资源管理", ["招聘管理", "绩效管理", "培训管理", "薪酬管理"]),
    ("管理上云", "财务管理", ["费用管理", "税务管理", "报销管理"]),
    ("管理上云", "行政管理", ["云办公", "云桌面", "云安保"]),
    ("管理上云", "信息管理", ["IT开发", "IT测试", "IT运维"]),
    ("业务上云", "研发设计", ["研发设计应用", "协同开发"]),
    ("业务上云", "生产", ["MES", "ERP", "生产数据", "应用软件"]),
    ("业务上云", "供应链", ["采购管理", "仓储管理", "物流管理"]),
    ("业务上云", "营销", ["电商", "CRM和渠道管理", "营销", "客服"]),
    ("设备上云", "设备接入", ["高耗能设备", "通用动力设备", "新能源设备", "智能化设备", "其他设备"]),
    ("设备上云", "设备服务", ["设备管理", "数据监控", "决策优化", "APP应用"]),
    ("上云成效", "应用层面", ["成本下降", "数据可视化", "设备可视化", "经营管控能力提升", "生产效率提升",
                          "业务模式优化", "其他应用"]),
]


# ---------------------------------------------------------------------------------------------
# 02 business licence (raster)


def licence_page(ds: Dossier) -> Callable[[Painter], None]:
    lic = ds.licence
    c = lic.company

    def draw(p: Painter) -> None:
        W, H = p.width_mm, p.height_mm
        gold = (176, 140, 70)
        p.rect(6, 6, W - 12, H - 12, color=gold, width=1.6)
        p.rect(9.5, 9.5, W - 19, H - 19, color=gold, width=0.5)
        for i in range(int((W - 24) / 4)):  # a simple guilloche-like border band
            x = 12 + i * 4
            p.line(x, 8, x + 2, 9.5, color=gold, width=0.25)
            p.line(x, H - 8, x + 2, H - 9.5, color=gold, width=0.25)
        p.text(18, 20, f"编号 {lic.serial}", 8)
        # emblem area left blank on purpose: a plain red roundel stands in for it
        p.text(W / 2, 52, "营 业 执 照", 40, anchor="c", bold=True, color=(30, 20, 20))
        p.text(W / 2, 65, "（副      本）", 15, anchor="c", bold=True)
        p.text(W - 20, 80, f"统一社会信用代码  {c.credit_code}", 11, anchor="r", bold=True)
        x_lab, x_val, y = 30.0, 68.0, 98.0
        fields = [
            ("名            称", c.name),
            ("类            型", lic.entity_type),
            ("住            所", c.address),
            ("法 定 代 表 人", c.legal_rep),
            ("注  册  资  本", lic.registered_capital),
            ("成  立  日  期", cn_date(lic.established, pad=True)),
            ("营  业  期  限", lic.term),
        ]
        for lab, val in fields:
            p.text(x_lab, y, lab, 12, bold=True)
            p.text(x_val, y, val, 12)
            y += 11
        p.text(x_lab, y, "经  营  范  围", 12, bold=True)
        paragraph(p, x_val, y, lic.scope, 12, W - x_val - 22, leading=1.6)
        qr = fake_qr(ds.seed * 7 + 3, 29, 6)
        p.image(qr, 24, H - 78, 36, 36)
        p.text(42, H - 38, "扫描二维码登录“国家企业信用", 7, anchor="c")
        p.text(42, H - 34.5, "信息公示系统”了解更多登记、", 7, anchor="c")
        p.text(42, H - 31, "备案、许可、监管信息", 7, anchor="c")
        p.text(W - 74, H - 52, "登  记  机  关", 13, bold=True)
        d = lic.issue_date
        p.text(W - 24, H - 36, f"{d.year}    年   {d.month:02d}   月   {d.day:02d}   日", 12, anchor="r")
        seal(p, SealSpec(lic.authority, star=True), W - 76, H - 77, seed=ds.seed * 100 + 5, w=42)
        p.text(W / 2, H - 14, "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn", 7.5, anchor="c")
        p.text(W / 2, H - 18.5, "市场主体应当于每年1月1日至6月30日通过国家企业信用信息公示系统报送公示年度报告。", 7.5,
               anchor="c")
        p.text(W - 20, H - 24, "国家市场监督管理总局监制", 7.5, anchor="r")

    return draw


# ---------------------------------------------------------------------------------------------
# 03 / 04 contracts


def cloud_clauses(ct: Contract) -> list[tuple[str, str]]:
    return [
        ("第一条  服务内容",
         "乙方作为阿里云授权合作伙伴，按本合同约定向甲方提供公有云服务及云上运维服务，具体云产品及配置如下表。"
         "乙方负责为甲方开通云服务账号、完成业务系统向云端的部署迁移，并提供持续的技术支持。"),
        ("第二条  服务期限",
         f"云服务期限自{cn_date(ct.term_start)}起至{cn_date(ct.term_end)}止，共十二个月。服务期满前三十日内，"
         "双方可协商续约。"),
        ("第三条  合同金额及支付方式",
         f"本合同总金额为人民币（大写）{ct.amount_words}（¥{fmt_thousands(ct.amount)}），"
         "含 6% 增值税。甲方于云服务开通后十五个工作日内一次性支付全部款项，乙方在收款前向甲方开具等额的"
         "增值税发票。"),
        ("第四条  服务质量",
         "乙方保证所提供云服务器 ECS 的可用性不低于 99.95%，对象存储 OSS 的数据持久性不低于 99.9999999999%。"
         "因乙方原因造成服务中断的，按中断时长向甲方赔偿相应服务费用。"),
        ("第五条  数据安全与保密",
         "甲方存放于云端的全部数据归甲方所有。未经甲方书面同意，乙方不得访问、使用或向第三方披露甲方数据。"
         "本条保密义务不因合同终止而失效。"),
        ("第六条  违约责任",
         "任何一方违反本合同约定，应赔偿守约方因此遭受的直接经济损失。甲方逾期付款的，每逾期一日按应付未付"
         "金额的万分之五支付违约金。"),
        ("第七条  争议解决",
         "因本合同引起的争议，双方应友好协商解决；协商不成的，任何一方均可向甲方所在地人民法院提起诉讼。"),
        ("第八条  其他",
         "本合同一式肆份，甲乙双方各执贰份，自双方签字盖章之日起生效，具有同等法律效力。"),
    ]


def dev_clauses(ct: Contract) -> list[tuple[str, str]]:
    return [
        ("第一条  项目内容",
         "甲方委托乙方定制开发“设备运维管理系统”（以下简称“本软件”），乙方按甲方确认的需求说明书完成设计、"
         "编码、测试、安装调试及培训，功能模块如下表。"),
        ("第二条  开发周期",
         f"乙方应于{cn_date(ct.term_start)}开始开发，于{cn_date(ct.term_end)}前完成全部功能并交付甲方验收。"),
        ("第三条  合同金额及支付方式",
         f"本合同总金额为人民币（大写）{ct.amount_words}（¥{fmt_thousands(ct.amount)}）。合同签订后七个工作日内"
         "甲方支付 40%，系统验收合格后支付 50%，质保期满后支付剩余 10%。"),
        ("第四条  验收",
         "乙方交付后，甲方应在十个工作日内按需求说明书组织验收；验收合格的，双方签署验收报告。"),
        ("第五条  知识产权",
         "本软件的著作权及源代码归甲方所有。乙方交付时应同时提交全部源代码、数据库设计文档及操作手册。"),
        ("第六条  质量保证",
         "本软件自验收合格之日起免费维护十二个月，乙方在接到故障通知后四小时内响应，二十四小时内解决。"),
        ("第七条  违约责任",
         "乙方逾期交付的，每逾期一日按合同总金额的千分之一支付违约金；甲方逾期付款的，按同一标准承担责任。"),
        ("第八条  其他",
         "本合同未尽事宜，双方协商签订补充协议。本合同一式肆份，双方各执贰份，自双方签字盖章之日起生效。"),
    ]


SEAM_TOP = 118.0  # mm from the top of the sheet to the top of the riding-seam seal


def seam_slice(p: Painter, spec: SealSpec, sheet: int, sheets: int, seed: int, d: float = 42.0) -> None:
    """The part of one riding-seam seal (骑缝章) this sheet carries: the seal was stamped across
    the right edges of the fanned sheets, each sheet lying d/sheets to the right of the one above,
    so sheet k shows the k-th vertical slice of the seal at its right edge."""
    full = draw_seal(spec, d, seed=seed)
    width = full.width / sheets
    part = full.crop((round(sheet * width), 0, round((sheet + 1) * width), full.height))
    w_mm = d / sheets
    p.image(part, p.width_mm - w_mm, SEAM_TOP + 0.4 * sheet, w_mm * part.width / width, d)


def contract_pages(ds: Dossier, ct: Contract, seal_seed: int) -> list[Callable[[Painter], None]]:
    clauses = cloud_clauses(ct) if ct.cloud_wording else dev_clauses(ct)
    ct.clauses = clauses
    x0, w = 22.0, 166.0
    fs = 10.5

    def party_block(p: Painter, y: float, role: str, co: Company) -> float:
        p.text(x0, y, f"{role}：{co.name}", 11, bold=True)
        y += 6.5
        p.text(x0 + 8, y, f"统一社会信用代码：{co.credit_code}", fs)
        y += 6
        p.text(x0 + 8, y, f"住所：{co.address}", fs)
        y += 6
        p.text(x0 + 8, y, f"法定代表人：{co.legal_rep}        联系电话：{co.phone}", fs)
        return y + 8

    def page1(p: Painter) -> None:
        p.text(105, 30, ct.title, 20, anchor="c", bold=True, spacing=2)
        p.text(188, 42, f"合同编号：{ct.number}", 9.5, anchor="r")
        y = 52.0
        y = party_block(p, y, ct.party_a_role, ct.party_a)
        y = party_block(p, y, ct.party_b_role, ct.party_b)
        intro = ("根据《中华人民共和国合同法》及有关法律法规，甲乙双方本着平等互利、诚实信用的原则，经友好协商，"
                 "就下列事项达成一致，签订本合同，共同遵守。")
        y = paragraph(p, x0, y, intro, fs, w, leading=1.7, indent=True) + 2
        for i, (head, body) in enumerate(clauses[:3]):
            p.text(x0, y, head, 11, bold=True)
            y = paragraph(p, x0, y + 6.5, body, fs, w, leading=1.7, indent=True) + 1.5
            if i == 0:
                # the item table
                cols = [("序号", 12.0), ("产品/模块名称", 40.0), ("规格配置/功能说明", 72.0), ("数量", 18.0),
                        ("期限" if ct.cloud_wording else "备注", 24.0)]
                xx = x0
                for s, cw in cols:
                    table_cell(p, xx, y, cw, 7, s, 9.5, bold=True)
                    xx += cw
                y += 7
                for n, it in enumerate(ct.items, 1):
                    xx = x0
                    vals = [str(n), it.product, it.spec, it.qty, it.period or "—"]
                    for (_, cw), s in zip(cols, vals, strict=True):
                        table_cell(p, xx, y, cw, 7, s, 9.5, align="c" if cw < 30 else "l")
                        xx += cw
                    y += 7
                y += 6
        p.text(105, 285, "第 1 页 共 2 页", 9, anchor="c")
        if ct.riding_seam:
            seam_slice(p, SealSpec(ct.party_a.name, "合同专用章"), 0, 2, seed=seal_seed + 5)

    def page2(p: Painter) -> None:
        y = 28.0
        for head, body in clauses[3:]:
            p.text(x0, y, head, 11, bold=True)
            y = paragraph(p, x0, y + 6.5, body, fs, w, leading=1.7, indent=True) + 3
        p.text(105, y + 2, "（以下无正文）", fs, anchor="c")
        y += 16
        colx = (x0, x0 + 88)
        for cx, role, co, who in ((colx[0], "甲方", ct.party_a, ct.a_signatory),
                                  (colx[1], "乙方", ct.party_b, ct.b_signatory)):
            p.text(cx, y, f"{role}（盖章）：", 11, bold=True)
            p.text(cx, y + 7, co.name, fs)
            p.text(cx, y + 22, "法定代表人或授权代表（签字）：", fs)
            p.text(cx, y + 36, f"开户银行：{co.bank}", 8.5)
            p.text(cx, y + 42, f"账    号：{co.account}", 8.5)
            p.text(cx, y + 50, f"签订日期：{cn_date(ct.signing_date)}", fs)
            p.image(signature(who, ds.seed + (3 if role == "甲方" else 4)), cx + 20, y + 24, 22, 9)
        seal(p, SealSpec(ct.party_a.name, "合同专用章"),
             colx[0] + 18, y - 8, seed=seal_seed + 1)
        seal(p, SealSpec(ct.party_b.name, "合同专用章"), colx[1] + 22, y - 6, seed=seal_seed + 2)
        p.text(x0, y + 62, f"签订地点：{ct.signing_place}", fs)
        p.text(105, 285, "第 2 页 共 2 页", 9, anchor="c")
        if ct.riding_seam:
            seam_slice(p, SealSpec(ct.party_a.name, "合同专用章"), 1, 2, seed=seal_seed + 5)

    return [page1, page2]


# ---------------------------------------------------------------------------------------------
# 05-08 invoices


def invoice_page(inv: Invoice, *, seal_seed: int, paper: bool, data_offset: tuple[float, float] = (0, 0),
                 seal_at: tuple[float, float] | None = None, qr_payload: str | None = None) -> Callable[[Painter], None]:
    """增值税发票 layout (241 x 140 mm). Template in the form colour, printed data in black; paper
    invoices print the data with a small misregistration, as dot-matrix and laser printers do.
    ``qr_payload`` prints a real, decodable QR code top left (else a QR-looking pattern)."""
    T = (150, 75, 40) if not paper else (95, 70, 60)
    dx, dy = data_offset

    def draw(p: Painter) -> None:
        def data(x: float, y: float, s: str, size: float = 9.5, **kw: object) -> None:
            p.text(x + dx, y + dy, s, size, color=INK, **kw)  # type: ignore[arg-type]

        # header
        p.text(120.5, 17, inv.title, 20, anchor="c", color=T, bold=True, spacing=0.6)
        p.line(80, 20.5, 161, 20.5, color=T, width=0.35)
        p.line(80, 21.6, 161, 21.6, color=T, width=0.35)
        if inv.copy_name:
            p.text(120.5, 28, inv.copy_name, 12, anchor="c", color=T, bold=True, spacing=2)
        seal(p, SealSpec("全国统一发票监制章", "山东省税务局", "国家税务总局", shape="oval", star=False),
             105.5, 4, seed=seal_seed + 9, w=30, h=20)
        qr = real_qr(qr_payload, 8) if qr_payload else fake_qr(seal_seed, 25, 4)
        p.image(qr, 10, 5, 20, 20)
        p.text(10, 31, "机器编号：", 9, color=T)
        data(27, 31, inv.machine_no, 9.5)
        labels = [("发票代码：", inv.code), ("发票号码：", inv.number),
                  ("开票日期：", f"{inv.issue_date.year}年{inv.issue_date.month:02d}月{inv.issue_date.day:02d}日")]
        if inv.check_code:
            cc = " ".join(inv.check_code[i:i + 5] for i in range(0, 20, 5))
            labels.append(("校 验 码：", cc))
        if paper:
            # paper forms: code printed large at the left, number after №
            p.text(36, 14, inv.code, 15, color=(30, 30, 30))
            p.text(172, 14, "№", 15, color=T, bold=True)
            p.text(180, 14, inv.number, 17, color=(40, 50, 120), bold=True)
            labels = labels[2:]
        yy = 12.0 if not paper else 24.0
        for lab, val in labels:
            p.text(166, yy, lab, 9, color=T)
            data(184, yy, val, 9.5)
            yy += 5.8
        # frame
        X0, X1, Y0 = 8.0, 233.0, 36.0
        rows = [Y0, Y0 + 19, Y0 + 25, Y0 + 61, Y0 + 69, Y0 + 88]
        p.rect(X0, Y0, X1 - X0, rows[-1] - Y0, color=T, width=0.4)
        for y in rows[1:-1]:
            p.line(X0, y, X1, y, color=T, width=0.3)

        def party(y0: float, role: str, co: Company, side: str, side_body: list[str], big_id: bool) -> None:
            p.line(X0 + 7, y0, X0 + 7, y0 + 19, color=T, width=0.3)
            for i, ch in enumerate(role):
                p.text(X0 + 3.5, y0 + 6 + i * 5, ch, 9, color=T, anchor="c")
            labs = ["名        称：", "纳税人识别号：", "地 址、电 话：", "开户行及账号："]
            vals = [co.name, co.credit_code, f"{co.address} {co.phone}", f"{co.bank} {co.account}"]
            for i, (lab, val) in enumerate(zip(labs, vals, strict=True)):
                y = y0 + 4.4 + i * 4.3
                p.text(X0 + 9, y, lab, 8.5, color=T)
                size = 8.5
                if i == 1:
                    size = 11 if big_id else 9.5
                elif i == 0:
                    size = 9.5
                while p.text_width(val, size) > 104 and size > 6:
                    size -= 0.5
                data(X0 + 33, y + (0.4 if i == 1 and big_id else 0), val, size)
            p.line(150, y0, 150, y0 + 19, color=T, width=0.3)
            p.line(157, y0, 157, y0 + 19, color=T, width=0.3)
            for i, ch in enumerate(side):
                p.text(153.5, y0 + 6 + i * 5, ch, 9, color=T, anchor="c")
            for i, s in enumerate(side_body):
                data(159, y0 + 4.6 + i * 4.4, s, 9.5 if side == "密码区" else 9)

        party(Y0, "购买方", inv.buyer, "密码区", inv.cipher, big_id=False)
        # line items
        cols = [(X0, 62.0, "货物或应税劳务、服务名称"), (70.0, 22.0, "规格型号"), (92.0, 12.0, "单位"),
                (104.0, 20.0, "数 量"), (124.0, 26.0, "单 价"), (150.0, 33.0, "金 额"), (183.0, 12.0, "税率"),
                (195.0, 38.0, "税 额")]
        for x, w, s in cols:
            p.text(x + w / 2, rows[1] + 4.4, s, 9, color=T, anchor="c")
            if x > X0:
                p.line(x, rows[1], x, rows[3], color=T, width=0.3)
        for i, ln in enumerate(inv.lines):
            y = rows[2] + 4.8 + i * 5
            data(X0 + 1, y, ln.name, 9)
            data(71, y, ln.spec, 9)
            data(98, y, ln.unit, 9, anchor="c")
            data(122, y, f"{ln.qty.normalize():f}", 9, anchor="r")
            data(148, y, f"{ln.price:.2f}", 9, anchor="r")
            data(181, y, f"{ln.amount:.2f}", 9, anchor="r")
            data(189, y, f"{int(ln.rate * 100)}%", 9, anchor="c")
            data(230.5, y, f"{ln.tax:.2f}", 9, anchor="r")
        p.text(30, rows[3] - 2.5, "合        计", 9, color=T, anchor="c")
        data(181, rows[3] - 2.5, f"¥{inv.amount_total:.2f}", 10, anchor="r")
        data(230.5, rows[3] - 2.5, f"¥{inv.tax_total:.2f}", 10, anchor="r")
        # 价税合计
        p.line(62, rows[3], 62, rows[4], color=T, width=0.3)
        p.text(35, rows[3] + 5.3, "价税合计（大写）", 9, color=T, anchor="c")
        p.text(65, rows[3] + 5.3, "ⓧ", 11, color=T)
        data(71, rows[3] + 5.3, inv.words, 10.5)
        p.text(170, rows[3] + 5.3, "（小写）", 9, color=T)
        data(184, rows[3] + 5.3, f"¥{inv.grand_total:.2f}", 10.5)
        party(rows[4], "销售方", inv.seller, "备注", [inv.remarks] if inv.remarks else [], big_id=True)
        # footer
        fy = rows[5] + 6
        for x, lab, who in ((12, "收款人：", inv.payee), (70, "复核：", inv.reviewer), (125, "开票人：", inv.drawer)):
            p.text(x, fy, lab, 9, color=T)
            data(x + p.text_width(lab, 9) + 1, fy, who, 9.5)
        p.text(185, fy, "销售方：（章）", 9, color=T)
        sx, sy = seal_at or (185.0, rows[4] + 1.5)
        seal(p, SealSpec(inv.seller.name, "发票专用章", inv.seller.credit_code, shape="oval", star=False),
             sx, sy, seed=seal_seed, w=40, h=30)

    return draw


# ---------------------------------------------------------------------------------------------
# 09 / 10 console screenshots (pixels, drawn directly)


def _console_frame(ds: Dossier, W: int, H: int, menu_title: str, menu: list[tuple[str, bool]],
                   crumbs: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    from _draw import pil_font

    im = Image.new("RGB", (W, H), (245, 246, 250))
    d = ImageDraw.Draw(im)
    f = pil_font
    # top bar
    d.rectangle([0, 0, W, 52], fill=(255, 255, 255))
    d.line([0, 52, W, 52], fill=(226, 228, 232))
    d.rectangle([0, 0, 52, 52], fill=(255, 106, 0))
    for i in range(3):
        d.rectangle([15, 17 + i * 8, 37, 19 + i * 8], fill=(255, 255, 255))
    d.text((66, 26), "[-]", font=f(19, True), fill=(255, 106, 0), anchor="lm")
    d.text((96, 26), "阿里云", font=f(21, True), fill=(255, 106, 0), anchor="lm")
    d.text((170, 26), "|", font=f(18), fill=(200, 200, 200), anchor="lm")
    d.rounded_rectangle([186, 10, 288, 42], 4, fill=(242, 243, 245))
    d.text((237, 26), "工作台", font=f(17), fill=(40, 40, 40), anchor="mm")
    d.rounded_rectangle([300, 10, 470, 42], 4, fill=(242, 243, 245))
    d.text((385, 26), "账号全部资源 ∨", font=f(16), fill=(40, 40, 40), anchor="mm")
    d.rounded_rectangle([640, 10, 900, 42], 4, fill=(242, 243, 245))
    d.text((660, 26), "搜索...", font=f(16), fill=(150, 150, 150), anchor="lm")
    x = 960
    for s in ("费用", "ICP备案", "企业", "支持", "工单", "简体"):
        d.text((x, 26), s, font=f(16), fill=(50, 50, 50), anchor="lm")
        x += int(f(16).getlength(s)) + 30
    d.text((W - 24, 18), ds.console_account.split("@")[0], font=f(15), fill=(40, 40, 40), anchor="rm")
    d.text((W - 24, 38), "主账号", font=f(13), fill=(140, 140, 140), anchor="rm")
    # left menu
    d.rectangle([0, 53, 220, H], fill=(255, 255, 255))
    d.line([220, 53, 220, H], fill=(226, 228, 232))
    d.text((22, 82), menu_title, font=f(19, True), fill=(20, 20, 20), anchor="lm")
    y = 122
    for s, sel in menu:
        if s.startswith("#"):
            d.text((22, y), s[1:], font=f(16, True), fill=(30, 30, 30), anchor="lm")
        else:
            if sel:
                d.rectangle([0, y - 17, 220, y + 17], fill=(235, 243, 255))
                d.rectangle([216, y - 17, 220, y + 17], fill=(0, 100, 200))
            d.text((38, y), s, font=f(16), fill=(0, 100, 200) if sel else (60, 60, 60), anchor="lm")
        y += 38
    d.text((250, 82), crumbs, font=f(15), fill=(120, 120, 120), anchor="lm")
    return im, d


def console_image(ds: Dossier) -> Image.Image:
    from _draw import pil_font as f

    W, H = 1680, 960
    menu = [("#实例与镜像", False), ("概览", False), ("实例", True), ("镜像", False), ("云盘", False),
            ("快照", False), ("安全组", False), ("#其他产品", False), ("对象存储 OSS", False),
            ("云数据库 RDS", False), ("CDN", False), ("费用中心", False)]
    im, d = _console_frame(ds, W, H, "云服务器 ECS", menu, "云服务器 ECS  /  实例")
    d.text((250, 126), "实例", font=f(28, True), fill=(20, 20, 20), anchor="lm")
    x = 340
    for region, sel in (("华北2（北京）", True), ("华东1（杭州）", False), ("华北1（青岛）", False)):
        w = int(f(16).getlength(region)) + 30
        d.rounded_rectangle([x, 110, x + w, 142], 3, fill=(235, 243, 255) if sel else (255, 255, 255),
                            outline=(0, 100, 200) if sel else (210, 212, 218))
        d.text((x + w / 2, 126), region, font=f(16), fill=(0, 100, 200) if sel else (60, 60, 60), anchor="mm")
        x += w + 10
    d.rectangle([250, 160, 350, 194], fill=(0, 106, 220))
    d.text((300, 177), "创建实例", font=f(16), fill=(255, 255, 255), anchor="mm")
    d.rectangle([370, 160, 900, 194], fill=(255, 255, 255), outline=(210, 212, 218))
    d.text((384, 177), "选择实例属性项搜索，或者输入关键字识别搜索", font=f(15), fill=(160, 160, 160), anchor="lm")
    cols = [("实例ID/名称", 250), ("地域/可用区", 520), ("IP地址", 690), ("状态", 840), ("配置", 940),
            ("付费方式", 1180), ("创建时间", 1290), ("到期时间", 1460)]
    y = 214
    d.rectangle([240, y, W - 20, y + 44], fill=(240, 242, 245))
    for s, x in cols:
        d.text((x, y + 22), s, font=f(16, True), fill=(60, 60, 60), anchor="lm")
    y += 44
    for it in ds.instances:
        d.rectangle([240, y, W - 20, y + 78], fill=(255, 255, 255))
        d.line([240, y + 78, W - 20, y + 78], fill=(230, 232, 236))
        d.text((250, y + 26), it["id"], font=f(16), fill=(0, 100, 200), anchor="lm")
        d.text((250, y + 52), it["name"], font=f(15), fill=(80, 80, 80), anchor="lm")
        d.text((520, y + 26), it["region"], font=f(16), fill=(40, 40, 40), anchor="lm")
        d.text((520, y + 52), it["zone"], font=f(15), fill=(120, 120, 120), anchor="lm")
        d.text((690, y + 26), f"{it['ip']}(公)", font=f(15), fill=(40, 40, 40), anchor="lm")
        d.text((690, y + 52), "172.16." + it["ip"].split(".")[-1] + ".9(私有)", font=f(15), fill=(120, 120, 120),
               anchor="lm")
        d.ellipse([840, y + 20, 852, y + 32], fill=(0, 170, 90))
        d.text((860, y + 26), "运行中", font=f(16), fill=(40, 40, 40), anchor="lm")
        d.text((940, y + 26), it["spec"], font=f(16), fill=(40, 40, 40), anchor="lm")
        d.text((940, y + 52), it["type"], font=f(15), fill=(0, 100, 200), anchor="lm")
        d.text((1180, y + 26), "包年包月", font=f(16), fill=(40, 40, 40), anchor="lm")
        d.text((1290, y + 26), it["created"], font=f(15), fill=(40, 40, 40), anchor="lm")
        d.text((1460, y + 26), it["expires"], font=f(15), fill=(40, 40, 40), anchor="lm")
        d.text((1460, y + 52), "到期", font=f(14), fill=(255, 106, 0), anchor="lm")
        y += 79
    d.text((W - 40, y + 40), f"共 {len(ds.instances)} 条    < 1 >    20 条/页", font=f(15), fill=(80, 80, 80),
           anchor="rm")
    # product cards of the other services in use, as on the 工作台 overview
    y += 90
    cards = [("对象存储 OSS", "Bucket：sg-docs-backup", "存储用量 186.4 GB  |  地域 华北2（北京）"),
             ("云数据库 RDS", "rm-2ze" + ds.instances[0]["id"][5:15] + " MySQL 5.7", "高可用版 2核4GB  |  运行中"),
             ("CDN", "加速域名：www.shungeng-zb.com.cn", "本月流量 214.6 GB  |  正常运行")]
    x = 250
    for title, l1, l2 in cards:
        d.rounded_rectangle([x, y, x + 450, y + 120], 4, fill=(255, 255, 255), outline=(226, 228, 232))
        d.text((x + 20, y + 30), title, font=f(18, True), fill=(20, 20, 20), anchor="lm")
        d.text((x + 20, y + 66), l1, font=f(15), fill=(60, 60, 60), anchor="lm")
        d.text((x + 20, y + 94), l2, font=f(15), fill=(120, 120, 120), anchor="lm")
        x += 470
    return im


def bills_image(ds: Dossier) -> Image.Image:
    from _draw import pil_font as f

    W, H = 1680, 900
    menu = [("#费用中心", False), ("费用账单", False), ("账单详情", True), ("订单管理", False), ("资源包管理", False),
            ("发票管理", False), ("合同管理", False), ("充值汇款", False)]
    im, d = _console_frame(ds, W, H, "费用与成本", menu, "费用中心  /  账单详情  /  明细账单")
    d.text((250, 126), "明细账单", font=f(28, True), fill=(20, 20, 20), anchor="lm")
    d.text((440, 126), "账期：2020-03 至 2020-10", font=f(16), fill=(60, 60, 60), anchor="lm")
    d.text((720, 126), f"账号：{ds.console_account}", font=f(16), fill=(60, 60, 60), anchor="lm")
    cols = [("消费时间", 250), ("产品", 450), ("计费方式", 650), ("订单类型", 810), ("实例ID", 960),
            ("应付金额", 1330), ("支付状态", 1500)]
    y = 170
    d.rectangle([240, y, W - 20, y + 44], fill=(240, 242, 245))
    for s, x in cols:
        d.text((x, y + 22), s, font=f(16, True), fill=(60, 60, 60), anchor="lm")
    y += 44
    ids = {"云服务器ECS": ds.instances[0]["id"], "对象存储OSS": "sg-docs-backup",
           "云数据库RDS": "rm-2ze" + ds.instances[0]["id"][5:15], "CDN": "www.shungeng-zb.com.cn"}
    for b in ds.bills:
        d.rectangle([240, y, W - 20, y + 52], fill=(255, 255, 255))
        d.line([240, y + 52, W - 20, y + 52], fill=(230, 232, 236))
        d.text((250, y + 26), b["date"] + " 10:2" + str(len(b["product"]) % 10), font=f(16), fill=(40, 40, 40),
               anchor="lm")
        d.text((450, y + 26), b["product"], font=f(16), fill=(40, 40, 40), anchor="lm")
        d.text((650, y + 26), b["mode"], font=f(16), fill=(40, 40, 40), anchor="lm")
        d.text((810, y + 26), b["order"], font=f(16), fill=(40, 40, 40), anchor="lm")
        d.text((960, y + 26), ids[b["product"]], font=f(15), fill=(0, 100, 200), anchor="lm")
        d.text((1450, y + 26), f"¥{Decimal(b['amount']):,.2f}", font=f(16), fill=(40, 40, 40), anchor="rm")
        d.text((1500, y + 26), "已支付", font=f(16), fill=(0, 150, 80), anchor="lm")
        y += 53
    total = sum(Decimal(b["amount"]) for b in ds.bills)
    d.text((W - 40, y + 36), f"合计应付：¥{total:,.2f}", font=f(18, True), fill=(20, 20, 20), anchor="rm")
    return im

