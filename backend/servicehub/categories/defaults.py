"""The category tree every new group starts with (DESIGN §3: the three complaint categories the
seeds name, plus property management and other). Each group edits its own copy."""

from __future__ import annotations

# (code, name, default function, children [(code, name, function or None = the parent's)])
DEFAULT_TREE = [
    ("construction_quality", "工程质量", "engineering", [
        ("leakage", "渗漏", None),
        ("cracks", "开裂空鼓", None),
        ("doors_windows", "门窗", None),
        ("plumbing_electrical", "水电", None),
        ("decoration", "装修", None),
        ("heating_cooling", "暖通空调", None),
        ("structure", "结构", None),
    ]),
    ("service_attitude", "服务态度", "customer_service", [
        ("front_desk_service", "前台服务", None),
        ("repair_service", "维修服务", None),
    ]),
    ("sales_promise", "销售承诺", "sales", [
        ("delivery_standard", "交付标准", None),
        ("amenities", "配套设施", None),
        ("title_deed", "产权办证", None),
        ("advertising", "宣传不符", None),
    ]),
    ("property_management", "物业管理", "property", [
        ("security", "安保", None),
        ("cleaning_greening", "清洁绿化", None),
        ("parking", "停车", None),
        ("fees", "物业收费", None),
    ]),
    ("other", "其他", "customer_service", []),
]


def default_rows():
    """Rows in insertion order: (code, name, function, parent code or None, sort order)."""
    for i, (code, name, function, children) in enumerate(DEFAULT_TREE):
        yield code, name, function, None, i
        for j, (child_code, child_name, child_function) in enumerate(children):
            yield child_code, child_name, child_function or function, code, j
