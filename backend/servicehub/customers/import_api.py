from flask import request
from marshmallow import RAISE, fields, pre_load

from servicehub.access import Perm
from servicehub.customers import service
from servicehub.customers.api import blp
from servicehub.customers.imports import ImportStatus
from servicehub.extensions import FileUpload, QueryId, Schema, current_actor, db


class ImportUploadSchema(Schema):
    """One multipart/form-data body: the file and the form fields that go with it."""

    file = FileUpload(required=True, metadata={"description": ".csv (UTF-8 or GBK) or .xlsx; columns 姓名, 手机, 证件号码, "
                                                           "邮箱, 客户类型, 客户等级, 楼栋, 单元, 房号, 面积, 交付日期, 关系"})
    org_unit_id = QueryId(required=True, metadata={"description": "The project the customers and units belong to."})
    skip_invalid = fields.Boolean(load_default=False, metadata={"description": "Import the good rows, report the bad."})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Only validate; import nothing."})

    @pre_load
    def _with_form_fields(self, data, **kwargs):
        """webargs reads the `files` part of the body only; its text fields sit in `request.form`.
        (Two `arguments` for one body, form and files, would document two bodies: invalid OpenAPI.)"""
        return {**request.form.to_dict(), **{key: data[key] for key in data}}


class ImportErrorSchema(Schema):
    row = fields.Integer()
    field = fields.String()
    message = fields.String()


class ImportJobSchema(Schema):
    id = fields.Integer()
    org_unit_id = fields.Integer()
    filename = fields.String()
    status = fields.Enum(ImportStatus, metadata={"description": "rejected: bad rows and no skip_invalid, nothing imported"})
    skip_invalid = fields.Boolean()
    dry_run = fields.Boolean()
    total_rows = fields.Integer()
    processed_rows = fields.Integer()
    imported_rows = fields.Integer()
    progress = fields.Float()
    error_count = fields.Integer()
    errors = fields.List(fields.Nested(ImportErrorSchema), metadata={"description": "The first 1,000 row errors."})
    message = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


@blp.route("/import", methods=["POST"])
@blp.auth(Perm.customer_write)
@blp.arguments(ImportUploadSchema, location="files", unknown=RAISE)  # webargs' default for files: EXCLUDE
@blp.response(201, ImportJobSchema, description="A small file, imported (or rejected) at once.")
@blp.alt_response(202, schema=ImportJobSchema, description="A large file, queued: poll GET /customers/imports/{id}.")
@blp.errors(404)
def import_customers(form):
    """Import customers and units from a spreadsheet. Without skip_invalid one bad row rejects the file."""
    upload = form["file"]
    job = service.start_import(db.session, actor=current_actor(), org_unit_id=form["org_unit_id"],
                               filename=upload.filename or "upload.csv", content=upload.read(),
                               skip_invalid=form["skip_invalid"], dry_run=form["dry_run"])
    return job, 202 if job.status in (ImportStatus.queued, ImportStatus.running) else 201


@blp.route("/imports/<id:job_id>")
@blp.auth(Perm.customer_write)
@blp.response(200, ImportJobSchema)
@blp.errors(404)
def get_import(job_id):
    """Progress and row errors of an import."""
    return service.get_import(db.session, actor=current_actor(), job_id=job_id)
