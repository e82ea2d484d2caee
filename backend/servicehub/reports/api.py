from servicehub.access import Perm
from servicehub.extensions import Blueprint, current_actor, db
from servicehub.reports import service
from servicehub.reports.schemas import (
    BreakdownQuerySchema,
    ReportBreakdownRowSchema,
    ReportOverviewSchema,
    ReportQuerySchema,
)

blp = Blueprint("reports", __name__, url_prefix="/reports",
                description="Reports (报表): the service's figures over a period of the group's calendar (Asia/Shanghai), "
                            "within the caller's report.read reach.")


@blp.route("/overview")
@blp.auth(Perm.report_read)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReportOverviewSchema)
@blp.errors(404)
def overview(args):
    """The dashboard's figures.

    Totals, SLA, satisfaction, tickets by status, type and category, the weekly trend and the projects
    with the most open complaints, within the caller's report.read reach. The period defaults to the
    last 12 weeks of the group's calendar (Asia/Shanghai), this one included."""
    return service.overview(db.session, actor=current_actor(), **args)


@blp.route("/breakdown")
@blp.auth(Perm.report_read)
@blp.arguments(BreakdownQuerySchema, location="query")
@blp.response(200, ReportBreakdownRowSchema(many=True))
@blp.errors(404)
def breakdown(args):
    """Tickets created in the period, grouped by one dimension.

    Each group with its open, overdue and resolved tickets and its on-time resolution rate; largest group
    first (then by key); groups without tickets are left out. Not paginated: at most as many rows as the
    dimension has values."""
    return service.breakdown(db.session, actor=current_actor(), **args)
