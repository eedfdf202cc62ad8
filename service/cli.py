"""The ``evidence-check`` command.

    evidence-check check PATH... [--programme ID] [--star 3|4|5] [--applicant NAME]
                                 [--format json|md|html|xlsx ...] [-o FILE_OR_FOLDER] [--no-store]
    evidence-check list [--format table|json]
    evidence-check recheck ID [--programme ID] [--star N] [--format ...] [-o ...]
    evidence-check show ID [--format ...] [-o ...]
    evidence-check extract FILE [--format json|md]
    evidence-check programmes
    evidence-check serve [--host H] [--port P] [--no-worker]
    evidence-check worker [--threads N]
    evidence-check users add NAME --role applicant|reviewer|admin [--district D ...] [--password P|-]
    evidence-check audit verify

Exit status: 0 the whole dossier was read and checked, whatever it found; 3 part of it could not
be read (the summary and standard error name the files; the rest was checked); 1 nothing could be
read; 2 usage error (a path that does not exist, an empty folder, a bad option: no report is
written). No traceback reaches the user: an unexpected error prints one line and the log.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from models.domain import Report
from models.enums import READ_ERRORS, Status, TextSource
from service import rulepacks
from service.ingest import folder_entries
from service.reports import FORMATS, SEVERITY_LABELS, render, write_report
from service.reports.labels import risk_words
from service.settings import Settings
from service.store import Store

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3

STATUS_MARK = {
    Status.met: "✔ 满足",
    Status.missing: "✘ 缺失",
    Status.failed: "✘ 不符合",
    Status.needs_review: "? 需复核",
    Status.not_applicable: "- 不适用",
}
# what each stage of a check counts, for the progress lines: (label, unit)
STAGE_LABELS = {"ingest": ("收集文件", "个文件"), "reading": ("读取页面", "页"), "classify": ("分类", "页"),
                "extract": ("提取字段", "份材料"), "forensics": ("文件核验", "个文件"), "seals": ("印章核对", "枚印章"),
                "evaluate": ("检查清单", "步")}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"evidence-check: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="evidence-check", description="Check the evidence in a subsidy dossier.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = sub.add_parser("check", help="check a whole dossier against a programme's checklist")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files, folders or zips, in bound order")
    check.add_argument("--programme", help="rule pack id (see `evidence-check programmes`; default: "
                                            "EVIDENCE_DEFAULT_PROGRAMME, jinan-star-cloud-2020)")
    check.add_argument("--star", type=int, help="star level applied for, one of the programme's (default: the pack's)")
    check.add_argument("--applicant", help="the applicant's name, if the dossier's form does not say it")
    _output_options(check)
    check.add_argument("--declare", action="append", default=[], metavar="NAME=VALUE",
                       help="a figure the applicant declares where the dossier lacks it, e.g. staff_total=120 "
                            "(repeatable; the report marks it as declared)")
    check.add_argument("--quiet", action="store_true", help="no summary and no progress on the terminal")
    check.add_argument("--no-store", action="store_true",
                       help="do not keep the dossier in the store (by default it is kept, and its id printed)")

    listing = sub.add_parser("list", help="the stored dossiers, most recently checked first")
    listing.add_argument("--format", choices=["table", "json"], default="table")
    listing.add_argument("--sort", choices=["checked", "risk"], default="checked",
                         help="most recently checked first (default), or riskiest first")

    recheck = sub.add_parser("recheck", help="evaluate a stored dossier again (no page is read again)")
    recheck.add_argument("dossier_id", metavar="ID")
    recheck.add_argument("--programme", help="rule pack id (default: the one it was checked against)")
    recheck.add_argument("--star", type=int, help="star level (default: the one it was checked for)")
    _output_options(recheck)
    recheck.add_argument("--quiet", action="store_true", help="no summary on the terminal")

    show = sub.add_parser("show", help="write a stored dossier's latest report")
    show.add_argument("dossier_id", metavar="ID")
    _output_options(show)
    show.add_argument("--quiet", action="store_true", help="no summary on the terminal")

    extract = sub.add_parser("extract", help="read one document: type, fields, flags (no checklist)")
    extract.add_argument("file", type=Path)
    extract.add_argument("--format", choices=["json", "md"], default="json")

    sub.add_parser("programmes", help="list the programmes (rule packs) and their checklist items")
    serve = sub.add_parser("serve", help="run the web service: API, pages and an embedded worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-worker", action="store_true",
                       help="no embedded worker: checks run in `evidence-check worker` processes (Redis)")
    worker = sub.add_parser("worker", help="run checks from the queue (Redis with EVIDENCE_REDIS_URL, else the data dir's)")
    worker.add_argument("--threads", type=int, default=None, help="checks at once (default EVIDENCE_WORKER_THREADS)")
    users = sub.add_parser("users", help="accounts of the web service")
    users_sub = users.add_subparsers(dest="users_command", required=True, parser_class=_Parser)
    add = users_sub.add_parser("add", help="create an account; its API token is printed as the last line")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["applicant", "reviewer", "admin"])
    add.add_argument("--district", action="append", default=[],
                     help="the applicant's district, or a district the reviewer is assigned (repeatable)")
    add.add_argument("--password", help="sign-in password for the pages ('-' reads it from standard input)")
    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, parser_class=_Parser)
    audit_sub.add_parser("verify", help="check the hash chain; names the first broken entry")
    return parser


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", action="append", choices=FORMATS, dest="formats",
                        help="report format; repeat for several (default: all four)")
    parser.add_argument("-o", "--output", type=Path,
                        help="output file (one format; '-' for standard output) or folder (default: ./evidence-report)")


def _progress(quiet: bool):  # type: ignore[no-untyped-def]
    """Progress on standard error: one line redrawn in place on a terminal; otherwise plain lines
    (each stage's start and end, and at most one every two seconds between)."""
    if quiet:
        return None
    terminal = sys.stderr.isatty()
    last: dict[str, float] = {}

    def show(stage: str, done: int, total: int) -> None:
        label, unit = STAGE_LABELS.get(stage, (stage, ""))
        line = f"{label}：{done}/{total} {unit}" if total else f"{label}：{done} {unit}"
        if terminal:
            sys.stderr.write(f"\r\033[K{line}")
            if stage == "evaluate" and done == total:
                sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            return
        now = time.monotonic()
        if stage not in last or done >= total or now - last[stage] >= 2.0:
            last[stage] = now
            print(line, file=sys.stderr, flush=True)

    return show


def _summary(report: Report, written: list[Path]) -> str:
    s = report.summary
    lines = [
        f"{report.programme_title}（{report.programme} v{report.programme_version}"
        + (f"，{report.star} 星级）" if report.star is not None else "）"),
        f"申报企业：{report.applicant.name or '未识别'}  统一社会信用代码：{report.applicant.credit_code or '未识别'}",
        f"共 {s.pages} 页，{s.documents} 份材料；满足 {s.met}，缺失 {s.missing}，不符合 {s.failed}，需复核 {s.needs_review}，"
        f"不适用 {s.not_applicable}；风险提示 {s.risk_flags}；无法读取 {s.errors}",
        *([risk_words(report)] if report.risk else []),
        "",
        "检查清单：",
    ]
    for r in report.checklist:
        pages = f" [第 {'、'.join(map(str, r.pages))} 页]" if r.pages else ""
        lines.append(f"  {STATUS_MARK[r.status]:<8} {r.title}{pages}")
        if r.status in (Status.missing, Status.failed, Status.needs_review):
            lines.append(f"           {r.reason}")
    if report.risk_flags:
        lines += ["", "风险提示："]
        for f in report.risk_flags:
            pages = f" 第 {'、'.join(map(str, f.pages))} 页" if f.pages else ""
            lines.append(f"  [{SEVERITY_LABELS[f.severity]} {f.severity}] {f.code}{pages}：{f.message}")
    sp = report.spending
    if sp is not None and sp.since:  # only programmes whose rule pack declares the section have it
        lines += ["", f"{sp.since} 以来上云支出：¥{sp.total}（计入 {sp.invoice_count} 张发票）"]
        for inv in sp.invoices:
            if inv.status == "needs_review":
                lines.append(f"  第 {'、'.join(map(str, inv.pages))} 页发票 ¥{inv.grand_total or '?'}：{inv.reason}")
    if report.errors:
        lines += ["", "无法读取："]
        for e in report.errors:
            where = f"{e.file or ''}" + (f" 第 {e.page} 页" if e.page else "")
            lines.append(f"  {where}：{e.code} — {e.message}")
    if written:
        lines += ["", "报告：", *[f"  {p}" for p in written]]
    return "\n".join(lines)




def _formats(args: argparse.Namespace) -> list[str] | None:
    """The formats asked for, or None (after a message) when they cannot go where -o says."""
    formats = args.formats or list(FORMATS)
    if args.output is not None and str(args.output) == "-" and (len(formats) != 1 or formats[0] == "xlsx"):
        print("evidence-check: error: '-o -' needs exactly one text format (json, md or html)", file=sys.stderr)
        return None
    return formats


def _write(report: Report, formats: list[str], output: Path | None, images: dict[int, bytes]) -> list[Path]:
    """Write the report where -o says: standard output, one file, or a folder of every format."""
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(render(report, formats[0], images))
        sys.stdout.flush()
        return []
    if len(formats) == 1 and output is not None and output.suffix:
        targets = {formats[0]: output}
    else:
        folder = output or Path("evidence-report")
        folder.mkdir(parents=True, exist_ok=True)
        targets = {fmt: folder / f"report.{fmt}" for fmt in formats}
    for fmt, path in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_report(report, fmt, path, images)
    return list(targets.values())


def _finish(report: Report, args: argparse.Namespace, written: list[Path], dossier_id: str | None) -> int:
    to_stdout = args.output is not None and str(args.output) == "-"
    if not args.quiet and not to_stdout:
        print(_summary(report, written))
    if dossier_id:
        # the last line (on stderr when the report itself goes to stdout), so scripts can take it
        print(f"已存档，编号 dossier id: {dossier_id}", file=sys.stderr if to_stdout else sys.stdout)
    return exit_status(report)


def exit_status(report: Report) -> int:
    """0 all read; 3 part could not be read (named on standard error); 1 nothing could be read."""
    unreadable = [e for e in report.errors if e.code in READ_ERRORS]
    nothing = report.summary.pages == 0 or all(p.text_source == TextSource.none for p in report.pages)
    if unreadable:
        files = list(dict.fromkeys(e.file or "?" for e in unreadable))
        what = "没有任何页面能够读取" if nothing else f"{len(files)} 个文件未能完整读取，其余已检查"
        print(f"evidence-check: {what}：", file=sys.stderr)
        for e in unreadable:
            where = (e.file or "") + (f" 第 {e.page} 页" if e.page else "")
            print(f"  {where}：{e.code} — {e.message}", file=sys.stderr)
    if nothing:
        return EXIT_INPUT
    return EXIT_PARTIAL if unreadable else EXIT_OK


def _usage_problem(paths: list[Path]) -> str | None:
    """A path that does not exist or a folder with nothing in it is a mistyped command, not a dossier."""
    for path in paths:
        if not path.exists():
            return f"找不到文件或文件夹：{path}"
        if path.is_dir() and not folder_entries(path):
            return f"文件夹中没有文件：{path}"
    return None


def _cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    formats = _formats(args)
    if formats is None:
        return EXIT_USAGE
    problem = _usage_problem(args.paths)
    if problem:
        print(f"evidence-check: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    declared: dict[str, str] = {}
    for item in args.declare:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            print(f"evidence-check: error: --declare needs NAME=VALUE, got {item!r}", file=sys.stderr)
            return EXIT_USAGE
        declared[name.strip()] = value.strip()
    from service import dossiers
    from service.pipeline import CheckOptions

    options = CheckOptions(programme=args.programme, star=args.star, applicant=args.applicant,
                           previews="html" in formats, declared=declared)

    store = None if args.no_store else Store.open(settings)
    checked = dossiers.check(args.paths, options, settings, store=store, progress=_progress(args.quiet))
    written = _write(checked.report, formats, args.output, checked.page_images)
    return _finish(checked.report, args, written, checked.dossier_id)


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    rows = Store.open(settings).list_dossiers(sort=args.sort)
    if args.format == "json":
        import json

        print(json.dumps([{
            "id": r.id, "applicant": r.applicant_name, "credit_code": r.applicant_credit_code,
            "programme": r.programme, "star": r.star, "status": r.status, "pages": r.pages, "flags": r.flags,
            "high_flags": r.high_flags, "risk_score": r.risk_score, "errors": r.errors,
            "checked_at": r.checked_at.isoformat() if r.checked_at else None,
        } for r in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("没有已存档的材料（evidence-check check 会把检查过的材料存档）")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table("编号 id", "申报企业 applicant", "项目 programme", "状态 status", "风险分 risk",
                  "风险提示 flags", "检查时间 checked")
    for r in rows:
        checked = r.checked_at.strftime("%Y-%m-%d %H:%M") if r.checked_at else "-"
        table.add_row(r.id, r.applicant_name or "未识别", r.programme + (f" ({r.star}★)" if r.star else ""),
                      r.status, str(r.risk_score), f"{r.flags} (高 {r.high_flags})", checked)
    Console(width=160).print(table)
    return EXIT_OK


def _cmd_recheck(args: argparse.Namespace, settings: Settings) -> int:
    from service import dossiers

    formats = _formats(args)
    if formats is None:
        return EXIT_USAGE
    checked = dossiers.recheck(Store.open(settings), args.dossier_id, programme=args.programme, star=args.star)
    written = _write(checked.report, formats, args.output, checked.page_images)
    return _finish(checked.report, args, written, checked.dossier_id)


def _cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    formats = _formats(args)
    if formats is None:
        return EXIT_USAGE
    store = Store.open(settings)
    report = store.latest_report(args.dossier_id)
    images = store.load_evidence(args.dossier_id)[1] if "html" in formats else {}
    written = _write(report, formats, args.output, images)
    return _finish(report, args, written, None)


def _cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from service.pipeline import extract_document

    problem = _usage_problem([args.file])
    if problem:
        print(f"evidence-check: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    outcome = extract_document(args.file, settings)
    report = outcome.report
    if args.format == "json":
        import json

        payload = {
            "file": str(args.file),
            "pages": [p.model_dump(mode="json") for p in report.pages],
            "documents": [d.model_dump(mode="json") for d in report.documents],
            "seals": [s.model_dump(mode="json") for s in report.seals],
            "risk_flags": [f.model_dump(mode="json") for f in report.risk_flags],
            "errors": [e.model_dump(mode="json") for e in report.errors],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for doc in report.documents:
            print(f"## {doc.document_type} (pages {', '.join(map(str, doc.pages))})")
            for name, fv in doc.fields.items():
                print(f"- {name}: {fv.value} (p. {fv.page}, {fv.confidence:.2f})")
        for f in report.risk_flags:
            print(f"! {f.code}: {f.message}")
        for e in report.errors:
            print(f"error {e.code}: {e.message}")
    return exit_status(report)


def _cmd_programmes() -> int:
    for pack_id in rulepacks.available():
        pack = rulepacks.load(pack_id)
        print(f"{pack.id}  v{pack.version}  {pack.title}")
        print(f"  source: {pack.source}")
        for item in pack.items:
            stars = f" (stars {','.join(map(str, item.stars))})" if item.stars else ""
            print(f"  - {item.id}: {item.title}{stars}")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from service.web.app import create_app

    logging.getLogger("service").setLevel(logging.INFO)
    uvicorn.run(create_app(settings, worker="none" if args.no_worker else "embedded"), host=args.host, port=args.port)
    return EXIT_OK


def _cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from service.queue import Queue

    logging.getLogger("service").setLevel(logging.INFO)
    logging.getLogger("huey").setLevel(logging.INFO)
    Queue(settings, Store.open(settings)).run_worker(args.threads)
    return EXIT_OK


def _cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    from service import audit
    from service.accounts import AccountError, create_account

    password = sys.stdin.readline().rstrip("\n") if args.password == "-" else args.password
    store = Store.open(settings)
    with store.session() as session:
        try:
            account, token = create_account(session, args.name, args.role, district=args.district, password=password)
        except AccountError as exc:
            print(f"evidence-check: error: {exc.detail} ({exc.code})", file=sys.stderr)
            return EXIT_USAGE
        audit.record(session, "command line", "account_add", "account", account.name,
                     detail={"role": account.role, "districts": args.district})
    print(f"已创建账户 {account.name}（{account.role}）；API 令牌只显示这一次：")
    print(token)
    return EXIT_OK


def _cmd_audit_verify(settings: Settings) -> int:
    from service import audit

    store = Store.open(settings)
    with store.session() as session:
        count, broken = audit.verify(session)
    if broken is None:
        print(f"审计记录完整：{count} 条，哈希链逐条相符")
        return EXIT_OK
    print(f"审计记录第 {broken.entry_id} 条起不可信：{broken.reason}（已核验 {count} 条）")
    return EXIT_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    try:
        commands: dict[str, Callable[[], int]] = {
            "check": lambda: _cmd_check(args, settings),
            "list": lambda: _cmd_list(args, settings),
            "recheck": lambda: _cmd_recheck(args, settings),
            "show": lambda: _cmd_show(args, settings),
            "extract": lambda: _cmd_extract(args, settings),
            "programmes": _cmd_programmes,
            "serve": lambda: _cmd_serve(args, settings),
            "worker": lambda: _cmd_worker(args, settings),
            "users": lambda: _cmd_users_add(args, settings),
            "audit": lambda: _cmd_audit_verify(settings),
        }
        return commands[args.command]()
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of our output went away (| head): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except rulepacks.RulePackError as exc:  # an unknown programme or star level
        print(f"evidence-check: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LookupError as exc:  # an unknown stored dossier id: the message says what to do
        print(f"evidence-check: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, no traceback
        if os.environ.get("EVIDENCE_DEBUG"):
            raise
        print(f"evidence-check: internal error: {exc!r} (set EVIDENCE_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
