"""Built-in SLA targets, from the seeds: a contact is logged within 10 minutes, a repair is
dispatched within 12 hours and an emergency at once, the customer is called back within 24 hours
of the fix. A group overrides any of them (`PUT /sla-policies`)."""

from __future__ import annotations

from servicehub.tickets.enums import Priority, TicketType

INTAKE_MINUTES = 10  # 接报后10分钟之内填写
CALLBACK_MINUTES = 24 * 60  # 维修关闭后的24小时内第一次回访

H, D = 60, 24 * 60
T, P = TicketType, Priority

# (type, priority) -> (response minutes, resolution minutes)
DEFAULT_TARGETS: dict[tuple[TicketType, Priority], tuple[int, int]] = {
    (T.repair, P.urgent): (30, 1 * D),
    (T.repair, P.high): (4 * H, 3 * D),
    (T.repair, P.normal): (12 * H, 7 * D),
    (T.repair, P.low): (1 * D, 14 * D),
    (T.complaint, P.urgent): (30, 1 * D),
    (T.complaint, P.high): (2 * H, 3 * D),
    (T.complaint, P.normal): (4 * H, 7 * D),
    (T.complaint, P.low): (1 * D, 14 * D),
    (T.inquiry, P.urgent): (30, 4 * H),
    (T.inquiry, P.high): (2 * H, 1 * D),
    (T.inquiry, P.normal): (4 * H, 2 * D),
    (T.inquiry, P.low): (1 * D, 3 * D),
    (T.suggestion, P.urgent): (2 * H, 3 * D),
    (T.suggestion, P.high): (4 * H, 7 * D),
    (T.suggestion, P.normal): (1 * D, 7 * D),
    (T.suggestion, P.low): (2 * D, 14 * D),
    (T.praise, P.urgent): (2 * H, 1 * D),
    (T.praise, P.high): (4 * H, 2 * D),
    (T.praise, P.normal): (1 * D, 3 * D),
    (T.praise, P.low): (2 * D, 7 * D),
}
