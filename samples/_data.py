"""The facts of the synthetic Jinan dossier, drawn once from a seeded random.Random.

Every renderer and the ground truth read from these objects, so truth.json never holds a
hand-typed copy of what the documents print.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from decimal import Decimal

from _codes import amount_in_words, corrupt_check_char, digits, make_uscc, money, tax_of

CUTOFF = dt.date(2020, 1, 1)
RATE_6 = Decimal("0.06")


@dataclass
class Company:
    name: str
    credit_code: str
    address: str
    phone: str
    bank: str
    account: str
    legal_rep: str
    division: str


@dataclass
class Line:
    name: str
    spec: str
    unit: str
    qty: Decimal
    price: Decimal
    rate: Decimal

    @property
    def amount(self) -> Decimal:
        return money(self.qty * self.price)

    @property
    def tax(self) -> Decimal:
        return tax_of(self.amount, self.rate)


@dataclass
class Invoice:
    file: str
    kind: str  # vat_special | vat_ordinary | e_invoice_ordinary
    title: str  # 山东增值税电子普通发票 …
    copy_name: str  # 发票联 (paper) or ""
    code: str
    number: str
    issue_date: dt.date
    check_code: str  # "" when the kind has none
    machine_no: str
    buyer: Company
    seller: Company
    lines: list[Line]
    payee: str
    reviewer: str
    drawer: str
    cipher: list[str]
    remarks: str
    words_override: str | None = None  # a planted words/figures mismatch
    defects: list[str] = field(default_factory=list)

    @property
    def amount_total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal("0.00"))

    @property
    def tax_total(self) -> Decimal:
        return sum((ln.tax for ln in self.lines), Decimal("0.00"))

    @property
    def grand_total(self) -> Decimal:
        return self.amount_total + self.tax_total

    @property
    def words(self) -> str:
        return self.words_override or amount_in_words(self.grand_total)


# QR "type" field per invoice kind (DOMAIN.md §3)
QR_TYPES = {"vat_special": "01", "vat_ordinary": "04", "e_invoice_ordinary": "10"}


def invoice_qr_payload(inv: Invoice, *, amount: Decimal | None = None, number: str | None = None) -> str:
    """The payload of the invoice's QR code: ``01,<type>,<code>,<number>,<amount before tax>,<YYYYMMDD>,
    <check code>,<crc>``. ``amount`` / ``number`` replace the printed ones to plant a mismatch. The
    tax system's CRC algorithm is not public; four hex digits of a hash stand in for it."""
    body = ",".join(["01", QR_TYPES[inv.kind], inv.code, number or inv.number,
                     f"{amount if amount is not None else inv.amount_total:.2f}",
                     inv.issue_date.strftime("%Y%m%d"), inv.check_code])
    crc = hashlib.sha1(body.encode()).hexdigest()[:4].upper()
    return f"{body},{crc}"


@dataclass
class ServiceItem:
    product: str
    spec: str
    qty: str
    period: str


@dataclass
class Contract:
    file: str
    title: str
    number: str
    party_a: Company
    party_b: Company
    party_a_role: str
    party_b_role: str
    signing_date: dt.date
    signing_place: str
    amount: Decimal
    term_start: dt.date
    term_end: dt.date
    items: list[ServiceItem]
    clauses: list[tuple[str, str]]  # (heading, body)
    a_signatory: str
    b_signatory: str
    cloud_wording: bool
    defects: list[str] = field(default_factory=list)
    riding_seam: bool = False  # party A's seal stamped across the fanned right edges of the sheets

    @property
    def amount_words(self) -> str:
        return amount_in_words(self.amount, yuan="元")


@dataclass
class Licence:
    company: Company
    entity_type: str
    registered_capital: str
    established: dt.date
    term: str
    scope: str
    authority: str
    issue_date: dt.date
    serial: str


@dataclass
class Dossier:
    seed: int
    applicant: Company
    provider_a: Company
    provider_b: Company
    other_buyer: Company
    licence: Licence
    contact: str
    contact_title: str
    contact_phone: str
    contact_mobile: str
    contact_email: str
    staff: int
    cloud_staff: int
    fill_date: dt.date
    cloud_start: dt.date
    industry: str
    cloud_contract: Contract
    dev_contract: Contract
    invoices: list[Invoice]
    console_account: str
    instances: list[dict[str, str]]
    bills: list[dict[str, str]]


SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = ["立新", "海峰", "成志", "静", "伟", "敏", "丽", "晓东", "建国", "红梅", "志强", "秀英", "文博", "雪", "鹏", "军",
         "玉兰", "国庆", "春燕", "浩然"]


def person(rng: random.Random, taken: set[str]) -> str:
    while True:
        n = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if n not in taken:
            taken.add(n)
            return n


def bank_account(rng: random.Random) -> str:
    return "1602" + digits(rng, 15)


def cipher_rows(rng: random.Random) -> list[str]:
    return ["".join(rng.choice("0123456789+-*/<>") for _ in range(27)) for _ in range(4)]


def build(seed: int = 7) -> Dossier:
    rng = random.Random(seed)
    names: set[str] = set()
    applicant = Company(
        name="济南舜耕智能装备有限公司",
        credit_code=make_uscc(rng, "370102"),
        address=f"济南市历下区经十路{rng.randint(11000, 13999)}号龙奥金座{rng.randint(5, 21)}层{rng.randint(1, 9)}0{rng.randint(1, 8)}室",
        phone="0531-8" + digits(rng, 7),
        bank="中国工商银行股份有限公司济南历下支行",
        account=bank_account(rng),
        legal_rep=person(rng, names),
        division="370102",
    )
    provider_a = Company(
        name="山东泺源云计算有限公司",
        credit_code=make_uscc(rng, "370100"),
        address=f"济南市高新区舜华路{rng.randint(700, 2000)}号齐鲁软件园{rng.choice('ABCDE')}座{rng.randint(2, 9)}楼",
        phone="0531-6" + digits(rng, 7),
        bank="招商银行股份有限公司济南高新支行",
        account="5319" + digits(rng, 12),
        legal_rep=person(rng, names),
        division="370100",
    )
    good_b = make_uscc(rng, "370105")
    provider_b = Company(
        name="济南明湖数码软件有限公司",
        credit_code=corrupt_check_char(good_b, rng),  # planted: credit_code_invalid
        address=f"济南市天桥区北园大街{rng.randint(100, 600)}号{rng.randint(3, 18)}层",
        phone="0531-8" + digits(rng, 7),
        bank="中国建设银行股份有限公司济南天桥支行",
        account="3705" + digits(rng, 16),
        legal_rep=person(rng, names),
        division="370105",
    )
    other_buyer = Company(
        name="济南泰和顺达商贸有限公司",
        credit_code=make_uscc(rng, "370104"),
        address=f"济南市槐荫区经七路{rng.randint(100, 900)}号",
        phone="0531-8" + digits(rng, 7),
        bank="中国银行股份有限公司济南槐荫支行",
        account="2274" + digits(rng, 8),
        legal_rep=person(rng, names),
        division="370104",
    )
    licence = Licence(
        company=applicant,
        entity_type="有限责任公司(自然人投资或控股)",
        registered_capital="伍佰万元整",
        established=dt.date(2016, 5, 18),
        term="2016年05月18日至长期",
        scope=("智能装备、工业自动化设备、机械设备的研发、生产、销售及技术服务；计算机软硬件的技术开发、"
               "技术咨询、技术转让；机电设备安装、维修；货物及技术进出口。（依法须经批准的项目，"
               "经相关部门批准后方可开展经营活动）"),
        authority="济南市历下区市场监督管理局",
        issue_date=dt.date(2019, 7, 2),
        serial="370102" + digits(rng, 12),
    )
    contact = person(rng, names)

    cloud_contract = Contract(
        file="03_云服务合同.pdf",
        title="云服务采购合同",
        number=f"LYY-2020-{rng.randint(100, 999):04d}",
        party_a=applicant,
        party_b=provider_a,
        party_a_role="甲方（委托方）",
        party_b_role="乙方（服务方）",
        signing_date=dt.date(2020, 2, 20),
        signing_place="济南市历下区",
        amount=money("31800.00"),
        term_start=dt.date(2020, 3, 1),
        term_end=dt.date(2021, 2, 28),
        items=[
            ServiceItem("云服务器 ECS", "2 vCPU 4 GiB，40 GiB ESSD 云盘", "3 台", "12 个月"),
            ServiceItem("对象存储 OSS", "标准型存储包 500 GB", "1 个", "12 个月"),
            ServiceItem("云数据库 RDS", "MySQL 5.7 高可用版 2核4GB", "1 个", "12 个月"),
            ServiceItem("CDN 加速", "下行流量包 1 TB", "1 个", "12 个月"),
            ServiceItem("云上运维服务", "部署迁移、监控告警、7×24 小时响应", "1 项", "12 个月"),
        ],
        clauses=[],
        a_signatory=applicant.legal_rep,
        b_signatory=provider_a.legal_rep,
        cloud_wording=True,
        riding_seam=True,
    )
    dev_contract = Contract(
        file="04_软件开发合同.pdf",
        title="软件开发合同",
        number=f"MH-KF-2020{rng.randint(10, 99)}",
        party_a=applicant,
        party_b=provider_b,
        party_a_role="甲方（委托方）",
        party_b_role="乙方（受托方）",
        signing_date=dt.date(2020, 3, 25),
        signing_place="济南市天桥区",
        amount=money("48000.00"),
        term_start=dt.date(2020, 4, 1),
        term_end=dt.date(2020, 8, 31),
        items=[
            ServiceItem("设备台账管理模块", "设备档案、二维码标签、巡检记录", "1 套", ""),
            ServiceItem("维修工单模块", "报修、派工、验收、统计报表", "1 套", ""),
            ServiceItem("备品备件模块", "出入库、库存预警", "1 套", ""),
            ServiceItem("移动端应用", "安卓及微信小程序", "1 套", ""),
        ],
        clauses=[],
        a_signatory=applicant.legal_rep,
        b_signatory=provider_b.legal_rep,
        cloud_wording=False,
        defects=["credit_code_invalid", "contract_lacks_cloud_wording"],
    )

    staff_pool: set[str] = set(names)
    clerks = [person(rng, staff_pool) for _ in range(3)]

    def e_code() -> str:
        return "0" + "3701" + "20" + f"{rng.randint(1, 9):03d}" + "11"

    def inv_no() -> str:
        return f"{rng.randint(1, 9)}" + digits(rng, 7)

    inv05 = Invoice(
        file="05_电子发票.pdf", kind="e_invoice_ordinary", title="山东增值税电子普通发票", copy_name="",
        code=e_code(), number=inv_no(), issue_date=dt.date(2020, 4, 15), check_code=digits(rng, 20),
        machine_no="66" + digits(rng, 10), buyer=applicant, seller=provider_a,
        lines=[
            Line("*信息技术服务*云服务费", "ECS", "年", Decimal("1"), money("15000.00"), RATE_6),
            Line("*信息技术服务*云服务费", "OSS", "年", Decimal("1"), money("5000.00"), RATE_6),
        ],
        payee=clerks[0], reviewer=clerks[1], drawer=clerks[2], cipher=cipher_rows(rng),
        remarks=f"合同编号：{cloud_contract.number}",
    )
    inv06 = Invoice(
        file="06_发票扫描.png", kind="vat_special", title="山东增值税专用发票", copy_name="发票联",
        code="3700" + "19" + f"{rng.randint(1, 4)}" + "130", number=inv_no(),
        issue_date=dt.date(2019, 12, 20), check_code="", machine_no="49" + digits(rng, 10),
        buyer=applicant, seller=provider_a,
        lines=[Line("*信息技术服务*云服务费", "RDS", "年", Decimal("1"), money("6000.00"), RATE_6)],
        payee=clerks[0], reviewer=clerks[1], drawer=clerks[2], cipher=cipher_rows(rng),
        remarks="预付云数据库服务费", defects=["date_before_cutoff"],
    )
    inv07 = Invoice(
        file="07_发票照片.jpg", kind="vat_ordinary", title="山东增值税普通发票", copy_name="发票联",
        # paper ordinary (fold) invoices carry 12-digit codes since 2018: 0 + region + year + batch + 04
        code="0" + "3700" + "20" + f"{rng.randint(1, 9):03d}" + "04", number=inv_no(),
        issue_date=dt.date(2020, 9, 16), check_code=digits(rng, 20), machine_no="49" + digits(rng, 10),
        buyer=applicant, seller=provider_a,
        lines=[Line("*信息技术服务*云服务费", "CDN", "TB", Decimal("3"), money("1000.19"), RATE_6)],
        payee=clerks[0], reviewer=clerks[1], drawer=clerks[2], cipher=cipher_rows(rng),
        remarks="CDN 流量加油包", defects=["invoice_amount_words_mismatch"],
    )
    # planted: the words drop the 6 jiao (叁仟壹佰捌拾圆整 against ¥3,180.60)
    inv07.words_override = amount_in_words(money(int(inv07.grand_total)))
    inv08 = Invoice(
        file="08_发票_其他购买方.pdf", kind="e_invoice_ordinary", title="山东增值税电子普通发票", copy_name="",
        code=e_code(), number=inv_no(), issue_date=dt.date(2020, 11, 10), check_code=digits(rng, 20),
        machine_no="66" + digits(rng, 10), buyer=other_buyer, seller=provider_a,
        lines=[Line("*信息技术服务*云服务费", "ECS", "年", Decimal("1"), money("4716.98"), RATE_6)],
        payee=clerks[0], reviewer=clerks[1], drawer=clerks[2], cipher=cipher_rows(rng),
        remarks="", defects=["buyer_not_applicant"],
    )

    def inst(prefix: str) -> str:
        return prefix + "".join(rng.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(17))

    instances = [
        {"id": inst("i-m5e"), "name": "sg-web-portal", "region": "华北2（北京）", "zone": "可用区 H",
         "ip": f"47.94.{rng.randint(10, 250)}.{rng.randint(2, 250)}", "spec": "2 vCPU 4 GiB (I/O优化)",
         "type": "ecs.c6.large", "created": "2020-03-02 10:17", "expires": "2021-03-01 23:59"},
        {"id": inst("i-m5e"), "name": "sg-erp-app", "region": "华北2（北京）", "zone": "可用区 H",
         "ip": f"39.105.{rng.randint(10, 250)}.{rng.randint(2, 250)}", "spec": "2 vCPU 4 GiB (I/O优化)",
         "type": "ecs.c6.large", "created": "2020-03-02 10:21", "expires": "2021-03-01 23:59"},
        {"id": inst("i-bp1"), "name": "sg-equip-ops", "region": "华东1（杭州）", "zone": "可用区 I",
         "ip": f"121.41.{rng.randint(10, 250)}.{rng.randint(2, 250)}", "spec": "2 vCPU 4 GiB (I/O优化)",
         "type": "ecs.g6.large", "created": "2020-03-02 11:05", "expires": "2021-03-01 23:59"},
    ]
    bills = [
        {"date": "2020-03-02", "product": "云服务器ECS", "mode": "包年包月", "order": "新购", "amount": "12960.00"},
        {"date": "2020-03-02", "product": "对象存储OSS", "mode": "包年包月", "order": "新购", "amount": "1188.00"},
        {"date": "2020-03-05", "product": "云数据库RDS", "mode": "包年包月", "order": "新购", "amount": "5328.00"},
        {"date": "2020-04-01", "product": "CDN", "mode": "资源包", "order": "新购", "amount": "1200.00"},
        {"date": "2020-06-18", "product": "对象存储OSS", "mode": "按量付费", "order": "后付费", "amount": "86.42"},
        {"date": "2020-08-09", "product": "CDN", "mode": "资源包", "order": "新购", "amount": "1200.00"},
        {"date": "2020-09-12", "product": "云服务器ECS", "mode": "包年包月", "order": "升级", "amount": "652.33"},
    ]
    return Dossier(
        seed=seed, applicant=applicant, provider_a=provider_a, provider_b=provider_b,
        other_buyer=other_buyer, licence=licence,
        contact=contact, contact_title="信息部经理", contact_phone=applicant.phone,
        contact_mobile="1" + rng.choice("35789") + digits(rng, 9), contact_email="it@shungeng-zb.com.cn",
        staff=rng.randint(60, 140), cloud_staff=rng.randint(20, 45),
        fill_date=dt.date(2020, 10, 15), cloud_start=dt.date(2020, 3, 1), industry="制造业（C35 专用设备制造业）",
        cloud_contract=cloud_contract, dev_contract=dev_contract,
        invoices=[inv05, inv06, inv07, inv08],
        console_account="shungeng_it@1" + digits(rng, 15),
        instances=instances, bills=bills,
    )
