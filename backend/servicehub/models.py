"""Import every domain's models, so that the metadata (and Alembic) knows all tables."""

from servicehub.audit.models import AuditEntry  # noqa: F401
from servicehub.auth.models import RevokedSession  # noqa: F401
from servicehub.customers.imports import ImportJob  # noqa: F401
from servicehub.customers.models import Customer, CustomerPhone, CustomerScope  # noqa: F401
from servicehub.orgs.models import OrgUnit  # noqa: F401
from servicehub.properties.models import Ownership, Property  # noqa: F401
from servicehub.tenants.models import Tenant  # noqa: F401
from servicehub.users.models import Membership, PlatformAdmin, User  # noqa: F401
from servicehub.categories.models import Category  # noqa: F401
from servicehub.escalations.models import Escalation  # noqa: F401
from servicehub.idempotency import IdempotencyKey  # noqa: F401
from servicehub.sla.models import SlaTarget  # noqa: F401
from servicehub.tickets.models import Ticket, TicketAttachment, TicketComment, TicketCounter, TicketEvent  # noqa: F401
from servicehub.alerts.models import Alert  # noqa: F401
from servicehub.callbacks.models import Callback, CallbackAttempt  # noqa: F401
from servicehub.jobs.outbox import OutboxMessage  # noqa: F401
from servicehub.notifications.models import Delivery, Notification  # noqa: F401
from servicehub.settings.models import ServiceSettings  # noqa: F401
from servicehub.contractors.models import Contractor, ContractorUnit  # noqa: F401
from servicehub.warranty.models import WarrantyTermOverride  # noqa: F401
from servicehub.work_orders.models import WorkOrder  # noqa: F401
