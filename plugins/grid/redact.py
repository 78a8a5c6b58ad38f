"""What a public answer may say about a report (docs/grid.md §15): the address down to the building
at most, and the text without the personal details residents type into it — phone numbers, ID
numbers, room and unit numbers, and a name after 我叫、本人、我是、姓名、联系人."""
from __future__ import annotations

import re

NUM = r"(?:\d+|[一二三四五六七八九十百零〇两]+)"
#: the building: 3栋, 12幢, 5号楼, A座
BUILDING = re.compile(rf"^(.*?(?:{NUM}|[A-Za-z])\s*(?:栋|幢|号楼|座))")
#: below the building: a unit, a floor, a room (2单元、3层、301室、502号房、1-2-301)
BELOW = re.compile(rf"(?:{NUM}\s*(?:单元|层|楼层)|\d{{1,5}}\s*(?:室|号房|房间|户)|\d+(?:\s*-\s*\d+){{1,2}})")
ROOM_NUMBER = re.compile(r"(?<![\d.])\d{3,4}(?!\d)")  # a bare number after a building or unit: 301
PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d(?:[\s-]?\d{4}){2}|0\d{2,3}-?\d{7,8})(?!\d)")
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])|(?<!\d)\d{15}(?!\d)")
NAME = re.compile(r"(我叫|本人|我是|姓名[:：]?|联系人[:：]?|报告人[:：]?)\s*([\u4e00-\u9fff·]{2,4})")
#: words after 我是/本人 that are not a name (本人发现、我是居民 …)
NOT_A_NAME = ("居民", "业主", "住户", "租户", "这里", "本小区", "小区", "楼里", "发现", "反映", "家住", "住在", "所在",
              "想问", "要求", "希望", "在", "已经", "网格员", "志愿者", "党员", "退休")
MASK = "＊＊"


def public_address(address: str | None) -> str | None:
    """The address cut after its building (幸福小区3栋2单元301室 → 幸福小区3栋); without a building, the
    unit, floor and room parts are left out."""
    if not address:
        return address
    found = BUILDING.match(address)
    if found:
        return found.group(1).strip()
    return re.sub(r"\s{2,}", " ", BELOW.sub("", address)).strip(" ,，-")


def _name(match: re.Match) -> str:
    lead, name = match.group(1), match.group(2)
    if name.startswith(NOT_A_NAME):
        return match.group(0)
    return f"{lead}{MASK}"


def public_text(text: str | None) -> str | None:
    """The text with phone numbers, ID numbers, rooms below a building and names masked."""
    if not text:
        return text
    out = ID_NUMBER.sub(MASK, text)
    out = PHONE.sub(MASK, out)
    out = re.sub(rf"((?:{NUM}|[A-Za-z])\s*(?:栋|幢|号楼|座))\s*(?:{BELOW.pattern}|{ROOM_NUMBER.pattern})+",
                 rf"\1{MASK}", out)
    out = re.sub(r"(?<![\d.])\d{1,5}\s*(?:室|号房|房间)", MASK, out)
    out = re.sub(rf"{NUM}\s*单元\s*(?:{ROOM_NUMBER.pattern})?", MASK, out)
    return NAME.sub(_name, out)
