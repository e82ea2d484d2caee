"""The words of a ticket (DESIGN §2, §5), shared by tickets, SLA policies and escalations."""

from __future__ import annotations

import enum


class TicketType(str, enum.Enum):
    complaint = "complaint"  # 投诉
    repair = "repair"  # 报修
    inquiry = "inquiry"  # 咨询
    suggestion = "suggestion"  # 建议
    praise = "praise"  # 表扬


class Channel(str, enum.Enum):
    phone = "phone"  # 电话
    walk_in = "walk_in"  # 来访
    wechat = "wechat"  # 微信
    web = "web"  # 网站
    email = "email"  # 邮件
    letter = "letter"  # 来函
    hotline = "hotline"  # 政府热线 / 400
    other = "other"


class Priority(str, enum.Enum):
    urgent = "urgent"  # 紧急: burst pipe, power, safety — at once
    high = "high"
    normal = "normal"
    low = "low"


class Status(str, enum.Enum):
    new = "new"
    assigned = "assigned"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    cancelled = "cancelled"


OPEN_STATUSES = (Status.new, Status.assigned, Status.in_progress)


class Level(str, enum.Enum):
    """Where a ticket is supervised: its project, the region above, or headquarters."""

    project = "project"
    region = "region"
    hq = "hq"


NEXT_LEVEL = {Level.project: Level.region, Level.region: Level.hq, Level.hq: None}


class CommentKind(str, enum.Enum):
    internal = "internal"  # 内部备注
    reply = "reply"  # 答复客户


class PhotoStage(str, enum.Enum):
    """When a photo of a work order was taken."""

    before = "before"  # 维修前
    after = "after"  # 维修后


class Sensitive(str, enum.Enum):
    """Signs that a complaint may leave the group's hands: it goes to headquarters at once."""

    media = "media"  # 媒体曝光
    lawsuit = "lawsuit"  # 诉讼
    government_hotline = "government_hotline"  # 政府热线 (12345)
