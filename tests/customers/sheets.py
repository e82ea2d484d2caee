"""Customer spreadsheets as sales teams keep them, built in the test: realistic rows (Chinese names,
valid phones and ID numbers, units `building-unit-room`, owners with several units, co-owners) and a
few bad rows whose row numbers and fields are known."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from servicehub.customers.identity import ID_CHECK, ID_WEIGHTS

HEADER = ["姓名", "手机", "证件号码", "客户类型", "楼栋", "单元", "房号", "面积", "交付日期", "关系"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "建国", "志强", "海燕", "晓东", "雪梅", "子涵", "浩然"]
AREAS = ["310101", "310104", "310115", "330106", "320102", "110105", "440304"]


def id_number(area: str, born: date, seq: int) -> str:
    body = f"{area}{born:%Y%m%d}{seq % 1000:03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def phone(i: int) -> str:
    return f"{13 + i % 7}{i:09d}"  # 13x … 19x, unique per i


def name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]


def room(j: int) -> tuple[str, str, str]:
    """The j-th unit of a project: 40 buildings × 2 units × 32 floors × 4 rooms."""
    floor, number = (j // 4) % 32 + 1, j % 4 + 1
    return str(j // 256 + 1), str((j // 128) % 2 + 1), f"{floor}{number:02d}"


@dataclass
class Sheet:
    rows: list[list[str]]  # without the header
    bad: dict[int, str] = field(default_factory=dict)  # sheet row number (header = 1) -> field

    def good(self) -> list[list[str]]:
        return [r for n, r in enumerate(self.rows, start=2) if n not in self.bad]

    @property
    def customers(self) -> int:
        return len({r[1] for r in self.good()})

    @property
    def properties(self) -> int:
        return len({(r[4], r[5], r[6]) for r in self.good() if r[4]})

    @property
    def ownerships(self) -> int:
        return len([r for r in self.good() if r[4]])

    def csv(self, encoding: str = "utf-8") -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(self.rows)
        return out.getvalue().encode(encoding)

    def xlsx(self) -> bytes:
        """The same rows as Excel holds them: numbers as numbers, dates as dates."""
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(HEADER)
        for row in self.rows:
            cells: list = list(row)
            cells[1] = int(row[1]) if row[1].isdigit() else row[1]
            cells[6] = int(row[6]) if row[6].isdigit() else row[6]
            cells[7] = float(row[7]) if row[7] else None
            try:
                cells[8] = date.fromisoformat(row[8].replace("/", "-")) if row[8] else None
            except ValueError:
                pass  # a bad date stays text
            sheet.append(cells)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def build(count: int, *, with_bad: bool = True, first_phone: int = 0) -> Sheet:
    """`count` rows: every 20th row is a second unit of the owner above (same phone and name), every
    50th a co-owner (共有人) of the unit above; with_bad puts five bad rows in (counted in `count`)."""
    rows: list[list[str]] = []
    unit = 0
    handovers = ["2021-06-30", "2023/12/28", "", "2025-09-30"]
    for i in range(count):
        p = first_phone + i
        if i % 20 == 19:  # the owner above also owns the next unit (a second flat or a parking space)
            previous = rows[-1]
            b, u, r = room(unit)
            unit += 1
            rows.append([previous[0], previous[1], previous[2], "个人", b, u, r, "45.00", previous[8], "业主"])
            continue
        if i % 50 == 49:  # a spouse: co-owner of the unit above
            previous = rows[-1]
            rows.append([name(p + 7), phone(p), "", "个人", previous[4], previous[5], previous[6], previous[7],
                         previous[8], "共有人"])
            continue
        born = date(1960, 1, 1) + timedelta(days=(i * 37) % 14000)
        ident = id_number(AREAS[i % len(AREAS)], born, i) if i % 2 == 0 else ""
        b, u, r = room(unit)
        unit += 1
        area = f"{80 + i % 90}.{(i * 7) % 100:02d}"
        rows.append([name(p), phone(p), ident, "个人", b, u, r, area, handovers[i % len(handovers)], "业主"])
    sheet = Sheet(rows)
    if with_bad:
        _spoil(sheet)
    return sheet


def _spoil(sheet: Sheet) -> None:
    """Five bad rows spread over the file, each with one known problem."""
    rows = sheet.rows
    n = len(rows)
    picks = [n // 10 + 2, n // 3 + 1, n // 2 + 3, (2 * n) // 3 + 4, n - 3]
    # Keep clear of rows that others repeat (the row above a second unit or a co-owner).
    picks = [k if k % 20 not in (17, 18, 19) and k % 50 not in (47, 48, 49) else k - 3 for k in picks]
    assert len(set(picks)) == 5 and min(picks) > 5
    bad_phone, bad_id, no_name, other_name, bad_date = picks
    rows[bad_phone][1] = "1381234"
    valid = id_number("310101", date(1985, 6, 15), bad_id)
    rows[bad_id][2] = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    rows[no_name][0] = ""
    rows[other_name][0], rows[other_name][1] = "冒名顶替", rows[5][1]  # row 7's phone, another name
    rows[bad_date][8] = "2023-02-30"
    sheet.bad = {bad_phone + 2: "phone", bad_id + 2: "id_number", no_name + 2: "name",
                 other_name + 2: "phone", bad_date + 2: "handover_date"}
