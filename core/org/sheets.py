"""XLSX and CSV the way staff use Excel and WPS: text cells for codes and ID numbers, CSV with a BOM."""
from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from itertools import islice
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select

from ..db import db
from ..fields import CONTROL
from .models import CHILD_KINDS, GRID_TYPES, SITE_TYPES, OrgUnit

ORG_HEADER = ["编码", "名称", "类型", "上级编码", "网格类型", "场所类型"]
GRID_TYPE_LABELS = {"住宅网格": "residential", "专属网格": "exclusive"}
SITE_LABELS = {"市场": "market", "商圈市场": "market", "学校": "school", "医院": "hospital", "商务楼宇": "office",
               "机关事业单位": "institution"}


def org_example(root_code: str) -> list[list[str]]:
    """Template rows that import as they are under this tenant's root."""
    return [["demo-c01", "示例社区", "社区", root_code, "", ""],
            ["demo-c01-g01", "示例社区第一网格", "网格", "demo-c01", "住宅网格", ""],
            ["demo-c01-g02", "示例社区专属网格", "网格", "demo-c01", "专属网格", "市场"]]
KIND_BY_LABEL = {"区": "district", "街道": "street", "社区": "community", "小区": "compound", "网格": "grid",
                 "楼栋": "building", "户": "household"}
MAX_ROWS = 5000
LINE_BREAKS = re.compile(r"[\t\n\r]+")
#: Reading stops here, blank rows included, so a file that claims a million rows costs no more than this.
READ_ROWS = 10_000
READ_COLUMNS = 50
#: What the XLSX's parts may unpack to, checked from the zip directory before any XML is parsed:
#: a 5,000-row import is ~2 MB, and openpyxl reads a sheet without <dimension> through twice.
MAX_XLSX_UNPACKED = 10 * 1024 * 1024
#: A row element (<row …>, <row/>, or prefixed <x:row>) in a sheet's XML, counted as bytes.
ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetError(ValueError):
    """The file itself cannot be read; the message is for the user."""


#: a cell starting with one of these is a formula to Excel and WPS (OWASP "CSV injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_value(value):
    """Numbers stay numbers; anything else is text without the control characters a sheet cannot hold."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


def _csv_cell(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe, as OWASP advises."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def download(fmt: str, title: str, header: list[str], rows: list[list]) -> Response:
    """Every sheet staff download goes through here, so no cell of any export runs as a formula."""
    cells = [[cell_value(v) for v in row] for row in [header, *rows]]
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows([[_csv_cell(v) for v in row] for row in cells])
        body, mime = ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    else:
        wb = Workbook()
        ws = wb.active
        ws.title = title[:31]
        for row in cells:
            ws.append(row)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # "=…" is text here, never a formula openpyxl would write
                    cell.number_format = "@"  # text: 18-digit numbers keep every digit, and a typed edit stays text
                    if cell.value.startswith(FORMULA_START):
                        cell.quotePrefix = True  # Excel's own leading apostrophe
        out = io.BytesIO()
        wb.save(out)
        body, mime = out.getvalue(), XLSX
    name = f"{title}.{fmt}"
    return Response(body, content_type=mime, headers={  # content_type: mimetype= would add a second charset
        "Content-Disposition": f"attachment; filename=export.{fmt}; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})


def read_upload(upload) -> list[list[str]]:
    """Rows of text from an uploaded XLSX or CSV (UTF-8 with or without BOM, or GB18030 from old WPS)."""
    if upload is None or not upload.filename:
        raise SheetError(_("请选择要导入的文件"))
    data = upload.read(10 * 1024 * 1024 + 1)
    if len(data) > 10 * 1024 * 1024:
        raise SheetError(_("文件超过 10 MB"))
    name = upload.filename.lower()
    if name.endswith(".xlsx"):
        if not data.startswith(b"PK"):
            raise SheetError(_("文件不是有效的 XLSX 表格"))
        wb = None
        try:
            _check_parts(data)
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = [[_read_cell(v) for v in r] for r in _bounded_rows(wb.active)]
        except SheetError:
            raise
        # defusedxml (installed, so openpyxl uses it) refuses DTDs and entities with a ValueError;
        # broken XML is a SyntaxError; a broken zip is zlib.error, EOFError or RuntimeError (encrypted,
        # unknown compression); odd but well-formed XML trips openpyxl with the rest
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, KeyError, IndexError, TypeError,
                AttributeError, ValueError, OSError, SyntaxError) as exc:
            raise SheetError(_("文件不是有效的 XLSX 表格")) from exc
        finally:
            if wb is not None:
                wb.close()
    elif name.endswith(".csv"):
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SheetError(_("无法识别 CSV 文件的编码"))
        try:
            rows = [[_read_cell(c) for c in r[:READ_COLUMNS]]
                    for r in islice(csv.reader(io.StringIO(text)), READ_ROWS + 1)]
        except csv.Error as exc:  # a cell over the csv module's field size limit, a NUL byte
            raise SheetError(_("无法读取 CSV 文件，请在 Excel 或 WPS 中另存为 CSV 后再试")) from exc
    else:
        raise SheetError(_("只支持 .xlsx 和 .csv 文件"))
    if len(rows) > READ_ROWS:
        raise SheetError(_("一次最多导入 %(n)s 行", n=MAX_ROWS))
    rows = [r for r in rows if any(r)]
    if not rows:
        raise SheetError(_("文件是空的"))
    if len(rows) > MAX_ROWS + 1:
        raise SheetError(_("一次最多导入 %(n)s 行", n=MAX_ROWS))
    return rows


def _read_cell(value) -> str:
    """A cell's text as one line: line breaks typed in a cell become spaces, other control
    characters (NUL, which PostgreSQL refuses, among them) are dropped."""
    text = "" if value is None else str(value)
    return CONTROL.sub("", LINE_BREAKS.sub(" ", text)).strip()


def _check_parts(data: bytes) -> None:
    """Refuse from the zip alone, before openpyxl parses anything: parts that unpack past the limit
    (zipfile never reads past a part's declared size), or a sheet with more rows than are read."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.infolist()
        if sum(part.file_size for part in parts) > MAX_XLSX_UNPACKED:
            raise SheetError(_("表格内容太多，请拆分成几个文件再导入"))
        for part in parts:
            if part.filename.endswith(".xml") and _count_rows(archive, part) > READ_ROWS:
                raise SheetError(_("一次最多导入 %(n)s 行", n=MAX_ROWS))


def _count_rows(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> int:
    """Row elements in one part, found in the raw bytes (a regex is ~100 times faster than parsing)."""
    count, rest = 0, b""
    with archive.open(part) as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            buf = rest + chunk
            cut = buf.rfind(b"<")  # a tag cut by the chunk's end is counted with the next chunk
            cut = len(buf) if cut < 0 else cut
            count += sum(1 for _ in ROW_TAG.finditer(buf, 0, cut))
            if count > READ_ROWS:
                break
            rest = buf[cut:cut + 256]
    return count + sum(1 for _ in ROW_TAG.finditer(rest))


def _bounded_rows(ws):
    """At most READ_ROWS + 1 rows of at most READ_COLUMNS values, whatever the sheet's <dimension>
    says: the dimension may be missing or claim XFD1048576, and read-only openpyxl pads every row to
    it and fills the gap before a far row with blank rows. Trailing blank cells are dropped."""
    width = min(ws.max_column or READ_COLUMNS, READ_COLUMNS)
    for values in ws.iter_rows(max_row=READ_ROWS + 1, max_col=width, values_only=True):
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        yield values


@dataclass
class ImportReport:
    good: list[dict] = field(default_factory=list)
    bad: list[tuple[int, list[str], str]] = field(default_factory=list)


def check_org_rows(rows: list[list[str]]) -> ImportReport:
    """Check every row against the tree and the rest of the file; each bad row gets its reason."""
    report = ImportReport()
    header = [h.strip() for h in rows[0]]
    if header[:4] != ORG_HEADER[:4]:
        report.bad.append((1, rows[0], _("表头应为：%(h)s（请下载导入模板）", h="、".join(ORG_HEADER))))
        return report
    existing = {code: kind for code, kind in db.session.execute(select(OrgUnit.code, OrgUnit.kind))}
    seen: dict[str, str] = {}
    for n, raw in enumerate(rows[1:], start=2):
        row = (raw + [""] * 6)[:6]
        code, name, kind_label, parent_code, grid_type, site_type = row
        kind = KIND_BY_LABEL.get(kind_label)
        grid_type = GRID_TYPE_LABELS.get(grid_type, grid_type)
        site_type = SITE_LABELS.get(site_type, site_type)
        reason = None
        parent_kind = seen.get(parent_code) or existing.get(parent_code)
        if not code or not name:
            reason = _("编码和名称必填")
        elif len(name) > 100 or len(code) > 64:
            reason = _("编码或名称过长")
        elif code in existing or code in seen:
            reason = _("编码 %(c)s 已存在", c=code)
        elif kind is None:
            reason = _("类型应为：%(k)s", k="、".join(KIND_BY_LABEL))
        elif not parent_code:
            reason = _("上级编码必填")
        elif parent_kind is None:
            reason = _("上级编码 %(c)s 不存在", c=parent_code)
        elif kind not in CHILD_KINDS.get(parent_kind, ()):
            reason = _("%(p)s 下不能建立 %(k)s", p=parent_code, k=kind_label)
        elif kind == "grid" and grid_type and grid_type not in GRID_TYPES:
            reason = _("网格类型应为 residential 或 exclusive")
        elif kind == "grid" and grid_type == "exclusive" and site_type not in SITE_TYPES:
            reason = _("专属网格需要场所类型：%(s)s", s="、".join(SITE_TYPES))
        if reason:
            report.bad.append((n, raw, reason))
            continue
        seen[code] = kind
        attrs = {"grid_type": grid_type or "residential"} if kind == "grid" else {}
        if kind == "grid" and site_type:
            attrs["site_type"] = site_type
        report.good.append({"code": code, "name": name, "kind": kind, "parent": parent_code, "attrs": attrs})
    return report


def apply_org_rows(rows: list[dict]) -> int:
    """Create the checked rows in file order (parents before children)."""
    from .services import create_unit
    by_code = {u.code: u for u in db.session.scalars(select(OrgUnit).where(
        OrgUnit.code.in_({r["parent"] for r in rows})))}
    created = 0
    for row in rows:
        parent = by_code.get(row["parent"])
        if parent is None:
            continue  # its parent was a bad row left out by "import the valid rows"
        unit = create_unit(parent, row["kind"], row["code"], row["name"], row["attrs"])
        by_code[unit.code] = unit
        created += 1
    return created
