from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression

# Longest text accepted in a field, by kind (a clear error instead of a
# megabyte stored in a name).
CHAR_LIMIT = 256
TEXT_LIMIT = 200_000
# From how many records in memory their record rules are checked in SQL
SQL_RULES_FROM = 10


class MicrostructureInputCheck(models.AbstractModel):
    """Input of the microstructure models, whatever its way (form, RPC,
    import, kanban drag):

    - ``onchange`` and ``create``/``write`` refuse a value pointing to a record
      the user may not read (a compute run as superuser would otherwise copy
      it), and a value of the wrong type or too long, with a translated
      message, before anything is written;
    - fields computed, related or set by a workflow (``readonly`` in the model)
      are never set by a plain ``create`` or ``write``: the workflow writes them;
    - a write that moves a record (``_scope_fields``) is checked against the
      record rules again after the write.
    """

    _name = "microstructure.input.check"
    _description = "Checked input of the microstructure records"

    # fields whose change moves the record to other readers
    _scope_fields = ()
    # longest value of some text fields (the others: CHAR_LIMIT, TEXT_LIMIT)
    _text_limits = {}

    # CRUD
    @api.model_create_multi
    def create(self, vals_list):
        if self.env.su:
            return super().create(vals_list)
        # the records pointed to are checked once for the whole batch
        reachable = defaultdict(set)
        for vals in vals_list:
            self._check_input(vals, creating=True, reachable=reachable)
        self._check_all_reachable(reachable)
        records = super().create(vals_list)
        records._trace("create", "create")
        return records

    def write(self, vals):
        if self.env.su:
            return super().write(vals)
        self._check_input(vals)
        result = super().write(vals)
        if set(self._scope_fields) & set(vals):
            # Record rules are checked before a write only: the record must
            # stay within what its author may reach.
            self.check_access("write")
        self._trace("modify", "write")
        return result

    def _trace(self, action, method, path=None):
        """Trace an access to patient data (see ``microstructure.confidential``)."""
        return None

    # ACCESS
    def _check_access(self, operation):
        """The record rules of records already in memory, in one query.

        Odoo checks them in Python (``filtered_domain``): reading a page of
        records just found by a search computes the care team of each of them
        again (about 7 ms of a worker for 80 patient files or 40 liaison
        sheets). For reads, the same domain, computed by Odoo for the user, is
        asked to PostgreSQL after the fields it reads are flushed, as the
        search that found them did. The records it does not return go through
        Odoo's own check, so that a refusal, its message and a deleted record
        stay Odoo's: this only shortens the way to a yes. A few records, and
        creations and writes, keep Odoo's check: their records are in memory,
        and a query (with a flush in the middle of a batch) would cost more
        than it saves."""
        ids = list(dict.fromkeys(self._ids))
        if self.env.su or operation != "read" or len(ids) < SQL_RULES_FROM \
                or not all(isinstance(id_, int) for id_ in ids) \
                or not self.env["ir.model.access"].check(self._name, operation, raise_exception=False):
            return super()._check_access(operation)
        domain = self.env["ir.rule"]._compute_domain(self._name, operation)
        if not domain:
            return super()._check_access(operation)
        query = self.sudo().with_context(active_test=False)._search(
            expression.AND([[("id", "in", ids)], domain])
        )
        allowed = {id_ for (id_,) in self.env.execute_query(query.select())}
        rest = self.browse([id_ for id_ in ids if id_ not in allowed])
        if not rest:
            return None
        return super(MicrostructureInputCheck, rest)._check_access(operation)

    def onchange(self, values, field_names, fields_spec):
        if not self.env.su:
            if self.ids:
                self.check_access("read")
            self._check_input(dict(values), onchange=True)
        return super().onchange(values, field_names, fields_spec)

    @api.model
    def _get_searched_user_ids(self, operator, value, message):
        """User ids of a search on a field of users behind a record rule
        (``in`` a list of ids, or ``=`` one id), or ``message`` as an error."""
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if operator not in ("in", "=") or not isinstance(value, (list, tuple)) \
                or not all(isinstance(user_id, int) and not isinstance(user_id, bool) for user_id in value):
            raise ValidationError(message)
        return list(value)

    # INPUT CHECKS
    def _check_input(self, vals, creating=False, onchange=False, reachable=None):
        """Refuse, before anything is written, values of the wrong type, too
        long, pointing to records out of the user's reach, or setting a field
        that only the workflow sets.

        With ``reachable`` (ids by field), the records pointed to are added to
        it for the caller to check them all at once."""
        if reachable is None:
            reachable = defaultdict(set)
            self._check_input(vals, creating=creating, onchange=onchange, reachable=reachable)
            self._check_all_reachable(reachable)
            return
        if not isinstance(vals, dict):
            raise ValidationError(self.env._("Invalid values: a dictionary of fields is expected."))
        for name, value in vals.items():
            field = self._fields.get(name)
            if field is None:
                if onchange:
                    continue
                raise ValidationError(
                    self.env._("%(model)s has no field %(field)s.",
                               model=self._description, field=str(name)[:60])
                )
            if not onchange and self._is_protected_field(field, value, creating):
                raise UserError(
                    self.env._(
                        "The field %(field)s of %(model)s is set by the application, not by hand.",
                        field=field._description_string(self.env), model=self._description,
                    )
                )
            self._check_value(field, value, reachable)

    def _is_protected_field(self, field, value, creating):
        if not field.readonly:
            return False
        if creating and field.default:
            # the default value of a workflow field (e.g. the first step, the author)
            default = field.default(self)
            if isinstance(default, models.BaseModel):
                default = default.id
            return value != default
        return True

    def _check_value(self, field, value, reachable):
        def invalid():
            return ValidationError(
                self.env._(
                    "Invalid value for %(field)s of %(model)s: %(value)s.",
                    field=field._description_string(self.env), model=self._description,
                    value=repr(value)[:60],
                )
            )

        if value is False or value is None:
            return
        if field.type == "many2one":
            if isinstance(value, dict) and "id" in value:  # onchange values
                value = value["id"]
            if not isinstance(value, int) or isinstance(value, bool):
                raise invalid()
            reachable[field].add(value)
        elif field.type in ("one2many", "many2many"):
            self._check_commands(field, value, invalid, reachable)
        elif field.type in ("char", "text", "html", "selection"):
            if not isinstance(value, str):
                raise invalid()
            limit = self._text_limits.get(field.name) or (
                CHAR_LIMIT if field.type in ("char", "selection") else TEXT_LIMIT
            )
            if len(value) > limit:
                raise ValidationError(
                    self.env._(
                        "%(field)s is too long: %(limit)s characters at most.",
                        field=field._description_string(self.env), limit=limit,
                    )
                )
            if field.type == "selection":
                self._check_converts(field, value, invalid)
        elif field.type in ("integer", "float", "monetary"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise invalid()
        elif field.type in ("date", "datetime"):
            self._check_converts(field, value, invalid)

    def _check_converts(self, field, value, invalid):
        try:
            converted = field.convert_to_cache(value, self.browse())
        except (ValueError, TypeError) as error:
            raise invalid() from error
        if field.type in ("date", "datetime") and converted and not (1900 <= converted.year <= 2200):
            raise invalid()

    def _check_commands(self, field, commands, invalid, reachable):
        if not isinstance(commands, (list, tuple)):
            raise invalid()
        comodel = self.env[field.comodel_name]
        ids = []
        for command in commands:
            if isinstance(command, int) and not isinstance(command, bool):
                ids.append(command)
                continue
            if not isinstance(command, (list, tuple)) or not command \
                    or not isinstance(command[0], int) or not 0 <= command[0] <= 6:
                raise invalid()
            code = command[0]
            if code == fields.Command.SET:
                if len(command) < 3 or not isinstance(command[2], (list, tuple)):
                    raise invalid()
                ids.extend(command[2])
            elif code in (fields.Command.UPDATE, fields.Command.DELETE, fields.Command.UNLINK,
                          fields.Command.LINK):
                if len(command) < 2:
                    raise invalid()
                ids.append(command[1])
            if code in (fields.Command.CREATE, fields.Command.UPDATE):
                if len(command) < 3 or not isinstance(command[2], dict):
                    raise invalid()
                if getattr(comodel, "_microstructure_confidential", False):
                    comodel._check_input(dict(command[2]), creating=code == fields.Command.CREATE,
                                         onchange=True, reachable=reachable)
        if any(not isinstance(id_, int) or isinstance(id_, bool) for id_ in ids):
            # new records of an onchange ("NewId" strings) are not checked here
            ids = [id_ for id_ in ids if isinstance(id_, int) and not isinstance(id_, bool)]
        reachable[field].update(ids)

    def _check_all_reachable(self, reachable):
        for field, ids in reachable.items():
            if ids:
                self._check_reachable(field, list(ids))

    def _check_reachable(self, field, ids):
        """The records ``ids`` of ``field``'s model exist and the user reads them."""
        records = self.env[field.comodel_name].browse(ids)
        existing = records.exists()
        if len(existing) != len(set(ids)):
            raise ValidationError(
                self.env._(
                    "%(field)s: the record chosen does not exist (any more).",
                    field=field._description_string(self.env),
                )
            )
        try:
            records.check_access("read")
        except AccessError:
            raise AccessError(
                self.env._(
                    "%(field)s: you may not use a record outside your reach.",
                    field=field._description_string(self.env),
                )
            ) from None


class MicrostructureConfidential(models.AbstractModel):
    """Records covered by medical secrecy: patient files and what the care
    team writes about them.

    Odoo's side doors read or write such records without the record rules
    that guard its front door. On top of the input checks, this mixin:

    - traces every access of a person to the patients of its records (see
      ``microstructure.access.log``);
    - keeps the access-error message from naming a record (see ``ir.rule``).
    """

    _name = "microstructure.confidential"
    _inherit = ["microstructure.input.check"]
    _description = "Record covered by medical secrecy"
    _microstructure_confidential = True

    # ACCESS TRACE
    def _get_trace_pairs(self):
        """(patient id, site id) of the patients whose data ``self`` holds."""
        if "patient_id" not in self._fields:
            return []
        return list(zip(self._get_trace_ids("patient_id"), self._get_trace_ids("site_id")))

    def _get_trace_ids(self, fname):
        """Ids held by the many2one ``fname`` of ``self`` (``None`` for none).
        Every read of patient data is traced: they are taken from the cache,
        where the read that is traced left them, not through a record per row."""
        if all(isinstance(id_, int) for id_ in self._ids):
            ids = list(self.env.cache.get_values(self, self._fields[fname]))
            if len(ids) == len(self):
                return ids
        # not in the cache (a refused access) or new records
        # sudo: ids of records already reached (or refused)
        return [record[fname].id or None for record in self.sudo()]

    def _trace(self, action, method, path=None):
        """Trace an access of the current user to the patients of ``self``."""
        if self and not self.env.su:
            self.env["microstructure.access.log"]._record(
                action, self._get_trace_pairs(), path or f"{self._name}.{method}",
            )

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        listing = self.env.context.get("microstructure_listing")
        self._trace("list" if listing else "view", "web_search_read" if listing else "read")
        return result

    @api.model
    def web_search_read(self, domain, specification, offset=0, limit=None, order=None, count_limit=None):
        return super(MicrostructureConfidential, self.with_context(microstructure_listing=True)).web_search_read(
            domain, specification, offset=offset, limit=limit, order=order, count_limit=count_limit,
        )

    def export_data(self, fields_to_export):
        result = super().export_data(fields_to_export)
        self._trace("export", "export_data")
        return result


def confidential_models(env, with_field=None):
    """Names of the models covered by medical secrecy (with ``with_field``)."""
    return [
        name for name, model in env.registry.items()
        if getattr(model, "_microstructure_confidential", False) and not model._abstract
        and (not with_field or with_field in model._fields)
    ]


def readable_documents_domain(env, model_field, id_field, with_field=None):
    """Domain on a model pointing to documents (``model_field``, ``id_field``):
    what points to a confidential document the user reads, or to anything
    else."""
    names = confidential_models(env, with_field)
    domains = [[(model_field, "not in", names)]]
    for name in names:
        Model = env[name].with_context(active_test=False)
        if Model.has_access("read"):
            domains.append([(model_field, "=", name), (id_field, "in", Model._search([]))])
    return expression.OR(domains)


def unreadable_documents(records, model_field, id_field, with_field=None):
    """The records of ``records`` pointing to a confidential document the user
    does not read."""
    forbidden = records.browse()
    # sudo: which document each record points to (model and id), read to
    # check the user's access to that document, not shown
    pointing = records.sudo()
    for name in confidential_models(records.env, with_field):
        of_model = pointing.filtered(lambda record, name=name: record[model_field] == name)
        if not of_model:
            continue
        documents = records.env[name].with_context(active_test=False).browse(of_model.mapped(id_field))
        readable = set(documents.exists()._filtered_access("read").ids)
        forbidden |= records.browse(of_model.filtered(lambda r: r[id_field] not in readable).ids)
    return forbidden
