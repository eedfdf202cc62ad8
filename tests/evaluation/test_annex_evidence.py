"""The annex table from the evidence: products, wording rules, and the applicant's own claims."""

from __future__ import annotations

from evaluation import analysis
from models.domain import AnnexRow, PageText, TextLine
from models.enums import DocumentType
from tests.evaluation.test_checklist import APPLICANT, PACK, doc

T = DocumentType


def page(number: int, *texts: str) -> PageText:
    lines = [TextLine(text=t, bbox=(10, 10 + 30 * i, 10 + 16 * len(t), 30 + 30 * i)) for i, t in enumerate(texts)]
    return PageText(page=number, width=1000, height=1000, lines=lines)


def annex(documents, pages) -> dict[str, AnnexRow]:  # type: ignore[no-untyped-def]
    rows = analysis.annex_evidence(PACK, documents, pages, analysis.Applicant(name=APPLICANT, source="test"))
    return {r.domain.replace(" ", ""): r for r in rows}


def test_a_software_development_contract_proves_application_software_on_all_its_pages() -> None:
    contract = doc(T.contract, [7, 8], title="软件开发合同")
    rows = annex([contract], [page(7, "软件开发合同", "甲方委托乙方定制开发“设备运维管理系统”"), page(8, "验收")])
    assert (rows["应用软件"].on_cloud, rows["应用软件"].pages) == (True, [7, 8])
    assert rows["设备管理"].pages == [7]
    assert not rows["物流管理"].on_cloud  # 运维 is not a misread 运输
    # a cloud service contract is not a software contract, even with a 软件园 in an address
    cloud = doc(T.contract, [5], title="云服务采购合同")
    rows = annex([cloud], [page(5, "云服务采购合同", "住所：济南市高新区齐鲁软件园E座", "云上运维服务")])
    assert not rows["应用软件"].on_cloud and rows["IT运维"].pages == [5]


def test_backup_wording_proves_file_backup_only_beside_storage() -> None:
    console = doc(T.cloud_console, [13], {"public_cloud": True})
    rows = annex([console], [page(13, "对象存储 OSS", "Bucket: sg-docs-backup")])
    assert rows["工作文件存储和备份"].pages == [13] and rows["存储资源"].pages == [13]
    rows = annex([console], [page(13, "云服务器 ECS", "数据每日备份")])
    assert not rows["工作文件存储和备份"].on_cloud


def test_a_console_with_running_instances_proves_it_operations_a_private_one_nothing() -> None:
    lines = ("云服务器 ECS / 实例", "i-m5eohl3vhn8wxd5hfops 运行中")
    rows = annex([doc(T.cloud_console, [13], {"public_cloud": True})], [page(13, *lines)])
    assert rows["IT运维"].pages == [13] and rows["计算资源"].pages == [13]
    rows = annex([doc(T.cloud_console, [13], {"public_cloud": False})], [page(13, *lines)])
    assert not any(r.on_cloud for r in rows.values())


def test_claims_are_carried_and_an_outcome_row_is_the_applicants_claim() -> None:
    marked = [{"domain": "成本下降", "marked": True, "pages": [9, 11]},
              {"domain": "门户网站", "marked": True, "pages": [5]},
              {"domain": "数据库", "marked": False, "pages": []}]
    form = doc(T.application_form, [1], {"annex_marked": marked})
    rows = annex([form, doc(T.contract, [5], title="云服务合同")], [page(1, "申请表"), page(5, "CDN加速")])
    assert (rows["门户网站"].basis, rows["门户网站"].claimed, rows["门户网站"].claimed_pages) == ("proven", True, [5])
    assert (rows["数据库"].on_cloud, rows["数据库"].claimed, rows["数据库"].basis) == (False, False, "none")
    effect = rows["成本下降"]
    assert (effect.on_cloud, effect.pages, effect.basis) == (True, [9, 11], "claimed") and "人工判断" in effect.source
    assert rows["数据可视化"].claimed is None and not rows["数据可视化"].on_cloud


def test_a_contract_between_others_proves_nothing_for_the_applicant() -> None:
    others = doc(T.contract, [5], title="软件开发合同", party_a="济南别家有限公司", party_b="济南明湖数码软件有限公司")
    rows = annex([others], [page(5, "软件开发合同", "云服务器ECS")])
    assert not any(r.on_cloud for r in rows.values())
    ours = doc(T.contract, [5], title="软件开发合同", party_a=APPLICANT, party_b="济南明湖数码软件有限公司")
    rows = annex([ours], [page(5, "软件开发合同", "云服务器ECS")])
    assert rows["应用软件"].on_cloud and rows["计算资源"].on_cloud
