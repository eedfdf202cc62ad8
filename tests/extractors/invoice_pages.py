"""Synthetic invoice pages with the geometry of real ones, for the invoice and classify tests.

``paper_layout`` draws an 电子普通发票 / 专用发票 the way the tax system prints it (buyer block above
the item table, seller block below 价税合计, block labels in vertical boxes); ``digital_layout``
draws a 数电票 (buyer and seller side by side above the table). Every value is a parameter, so a
test changes one number and expects one problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.domain import PageText, TextLine
from models.enums import TextSource

BUYER_NAME = "济南云帆信息科技有限公司"
BUYER_TAX_ID = "91370102MA3C4K7P9Y"  # valid check character
SELLER_NAME = "浪潮云信息技术股份公司"
SELLER_TAX_ID = "913701007286054750"


@dataclass
class Item:
    name: str
    amount: str
    rate: str
    tax: str
    spec: str = ""


@dataclass
class InvoiceSpec:
    title: str = "山东增值税电子普通发票"
    code: str | None = "037001900111"
    number: str = "01359620"
    date_parts: tuple[str, ...] = ("开票日期：2020年03月02日",)
    check_code: str | None = "76939 05688 34666 77916"
    buyer_name: str = BUYER_NAME
    buyer_tax_id: str = BUYER_TAX_ID
    seller_name: str = SELLER_NAME
    seller_tax_id: str = SELLER_TAX_ID
    items: list[Item] = field(
        default_factory=lambda: [
            Item("*信息技术服务*云服务费", "10000.00", "6%", "600.00", "ECS"),
            Item("*信息技术服务*对象存储", "500.00", "6%", "30.00"),
        ]
    )
    amount_total: str = "10500.00"
    tax_total: str = "630.00"
    grand_total: str = "11130.00"
    words: str = "ⓧ壹万壹仟壹佰叁拾圆整"
    split_name_label: bool = True  # 名 | 称：xxx, as OCR reads the spaced label
    skew: float = 0.0  # pixels the right edge is lower than the left (a photo)


def _line(text: str, x0: float, y0: float, x1: float, y1: float, conf: float = 0.98, skew: float = 0.0,
          width: float = 1220.0) -> TextLine:
    dy = skew * ((x0 + x1) / 2) / width
    return TextLine(text=text, bbox=(x0, y0 + dy, x1, y1 + dy), confidence=conf)


def paper_layout(spec: InvoiceSpec | None = None, page: int = 1) -> PageText:
    s = spec or InvoiceSpec()
    k = s.skew
    lines: list[TextLine] = [_line(s.title, 380, 40, 760, 80, skew=k)]
    if s.code:
        lines.append(_line(f"发票代码：{s.code}", 860, 42, 1070, 64, skew=k))
    lines.append(_line(f"发票号码：{s.number}", 860, 72, 1030, 94, skew=k))
    # the date as one box or split over several boxes of one row
    x = 860.0
    for part in s.date_parts:
        w = 14.0 * len(part)
        lines.append(_line(part, x, 100, x + w, 122, skew=k))
        x += w + 6
    if s.check_code:
        lines.append(_line(f"校验码：{s.check_code}", 860, 128, 1170, 150, skew=k))
    lines.append(_line("机器编号：499099801283", 46, 136, 260, 158, skew=k))
    # buyer block
    lines.append(_line("购买方", 50, 178, 80, 270, skew=k))
    if s.split_name_label:
        lines.append(_line("名", 92, 168, 115, 190, skew=k))
        lines.append(_line(f"称：{s.buyer_name}", 182, 167, 182 + 22 * (len(s.buyer_name) + 2), 191, skew=k))
    else:
        lines.append(_line(f"名称：{s.buyer_name}", 92, 167, 92 + 22 * (len(s.buyer_name) + 3), 191, skew=k))
    lines.append(_line(f"纳税人识别号：{s.buyer_tax_id}", 92, 196, 405, 221, skew=k))
    lines.append(_line("地址、电话：济南市历下区经十路9999号0531-88888888", 92, 226, 560, 252, skew=k))
    lines.append(_line("开户行及账号：中国银行济南分行123456789012", 92, 257, 450, 282, skew=k))
    lines.append(_line("密码区", 693, 180, 724, 273, skew=k))
    lines.append(_line("03392/<9405<-48<-9/7-376018>", 734, 173, 1176, 196, skew=k))
    # item table
    header = [("货物或应税劳务、服务名称", 82, 301), ("规格型号", 373, 453), ("单位", 499, 543),
              ("数量", 579, 644), ("单价", 696, 760), ("金", 826, 850), ("额", 866, 890),
              ("税率", 959, 1005), ("税", 1057, 1080), ("额", 1098, 1121)]
    for text, x0, x1 in header:
        lines.append(_line(text, x0, 292, x1, 318, skew=k))
    y = 320.0
    for it in s.items:
        lines.append(_line(it.name, 47, y, 47 + 18 * len(it.name), y + 24, skew=k))
        if it.spec:
            lines.append(_line(it.spec, 380, y, 420, y + 24, skew=k))
        lines.append(_line(it.amount, 948 - 11 * len(it.amount), y, 948, y + 24, skew=k))
        lines.append(_line(it.rate, 972, y, 1012, y + 24, skew=k))
        lines.append(_line(it.tax, 1185 - 11 * len(it.tax), y, 1185, y + 24, skew=k))
        y += 26
    lines.append(_line("合", 144, 515, 166, 537, skew=k))
    lines.append(_line("计", 215, 513, 239, 536, skew=k))
    lines.append(_line(f"¥{s.amount_total}", 946 - 11 * (len(s.amount_total) + 1), 513, 946, 537, skew=k))
    lines.append(_line(f"¥{s.tax_total}", 1185 - 11 * (len(s.tax_total) + 1), 513, 1185, 537, skew=k))
    lines.append(_line("价税合计（大写）", 120, 549, 261, 571, skew=k))
    lines.append(_line(s.words, 341, 549, 341 + 20 * len(s.words), 571, skew=k))
    lines.append(_line(f"（小写）¥{s.grand_total}", 935, 550, 1077, 572, skew=k))
    # seller block
    lines.append(_line("销售方", 52, 600, 78, 688, skew=k))
    if s.split_name_label:
        lines.append(_line("名", 93, 589, 115, 612, skew=k))
        lines.append(_line(f"称：{s.seller_name}", 182, 587, 182 + 22 * (len(s.seller_name) + 2), 615, skew=k))
    else:
        lines.append(_line(f"名称：{s.seller_name}", 93, 587, 93 + 22 * (len(s.seller_name) + 3), 615, skew=k))
    lines.append(_line(f"纳税人识别号：{s.seller_tax_id}", 91, 616, 398, 641, skew=k))
    lines.append(_line("地址、电话：济南市高新区浪潮路1036号0531-85100000", 91, 642, 636, 667, skew=k))
    lines.append(_line("开户行及账号：招商银行济南分行531900000000000", 91, 668, 672, 696, skew=k))
    lines.append(_line("备", 697, 606, 719, 628, skew=k))
    lines.append(_line("注", 695, 657, 721, 683, skew=k))
    lines.append(_line("销售方：（章）", 880, 703, 1006, 727, skew=k))
    return PageText(page=page, width=1220, height=788, lines=lines, text_source=TextSource.ocr)


@dataclass
class DigitalSpec:
    number: str = "25370000000012345678"
    date: str = "开票日期：2025年03月02日"
    buyer_name: str = BUYER_NAME
    buyer_tax_id: str = BUYER_TAX_ID
    seller_name: str = SELLER_NAME
    seller_tax_id: str = SELLER_TAX_ID
    item: Item = field(default_factory=lambda: Item("*信息技术服务*云服务费", "1000.00", "6%", "60.00"))
    amount_total: str = "1000.00"
    tax_total: str = "60.00"
    grand_total: str = "1060.00"
    words: str = "壹仟零陆拾圆整"


def digital_layout(spec: DigitalSpec | None = None, page: int = 1) -> PageText:
    s = spec or DigitalSpec()
    lines = [
        _line("电子发票（普通发票）", 381, 39, 774, 94),
        _line(f"发票号码：{s.number}", 874, 61, 1146, 84),
        _line(s.date, 874, 97, 1089, 117),
        _line("购买方信息", 26, 182, 53, 287),
        _line(f"名称：{s.buyer_name}", 61, 187, 61 + 22 * (len(s.buyer_name) + 3), 213),
        _line("销售方信息", 599, 182, 626, 289),
        _line(f"名称：{s.seller_name}", 633, 189, 633 + 22 * (len(s.seller_name) + 3), 211),
        _line(f"统一社会信用代码/纳税人识别号：{s.buyer_tax_id}", 61, 250, 563, 270),
        _line(f"统一社会信用代码/纳税人识别号：{s.seller_tax_id}", 632, 250, 1134, 270),
        _line("项目名称", 83, 298, 165, 325), _line("规格型号", 232, 298, 313, 325),
        _line("单位", 373, 297, 438, 325), _line("数量", 520, 298, 584, 326),
        _line("单价", 660, 297, 724, 325), _line("金额", 810, 299, 871, 324),
        _line("税率/征收率", 888, 300, 994, 323), _line("税额", 1095, 299, 1159, 324),
        _line(s.item.name, 24, 320, 207, 342), _line("次", 389, 319, 422, 347), _line("1", 566, 322, 588, 342),
        _line(s.item.amount, 874 - 11 * len(s.item.amount), 319, 874, 346), _line(s.item.rate, 928, 320, 960, 344),
        _line(s.item.tax, 1170 - 11 * len(s.item.tax), 320, 1170, 345),
        _line("合", 116, 523, 135, 542), _line("计", 204, 520, 226, 543),
        _line(f"¥{s.amount_total}", 871 - 11 * (len(s.amount_total) + 1), 519, 871, 543),
        _line(f"¥{s.tax_total}", 1168 - 11 * (len(s.tax_total) + 1), 518, 1168, 542),
        _line("价税合计（大写）", 92, 555, 231, 578), _line(s.words, 351, 554, 351 + 20 * len(s.words), 581),
        _line(f"（小写）¥{s.grand_total}", 821, 555, 961, 578),
    ]
    return PageText(page=page, width=1191, height=794, lines=lines, text_source=TextSource.ocr)


def text_page(*texts: str, page: int = 1, width: float = 1000, line_height: float = 24) -> PageText:
    """A page with one text line per row, top to bottom (for classification tests)."""
    lines = [
        TextLine(text=t, bbox=(60.0, 40.0 + i * line_height * 1.5, 60.0 + 20 * len(t), 40.0 + i * line_height * 1.5
                               + line_height))
        for i, t in enumerate(texts)
    ]
    return PageText(page=page, width=width, height=max(800.0, 80 + len(texts) * line_height * 1.5), lines=lines,
                    text_source=TextSource.text_layer)
