import hashlib
import json
import threading
import time

import psycopg2
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

import odoo
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from .microstructure_professions import PROFESSIONS

ACTIONS = [
    ("view", "Opened"),
    ("list", "Listed"),
    ("print", "Printed"),
    ("export", "Exported"),
    ("send", "Sent"),
    ("create", "Created"),
    ("modify", "Modified"),
    ("link", "Survey link"),
    ("refused", "Refused"),
    ("purge", "Trace purged"),
    ("archive", "Archived"),
    ("restore", "Restored"),
    ("erase", "Erased on request"),
    ("anonymise", "Anonymised"),
]
RETENTION_PARAM = "odoo_microstructure.access_log_retention_months"
ANCHOR_PARAM = "odoo_microstructure.access_log_anchor"
LOCK_KEY = 7_310_824_001  # advisory lock of the chain: one writer at a time
COLUMNS = ("date", "user_ref", "user_name", "professional_ref", "profession", "patient_ref", "site_ref",
           "action", "path", "session_key", "ip")
VERIFY_QUERY = (
    "SELECT id, seq, prev_hash, hash, date, user_ref, user_name, professional_ref, profession, patient_ref, "
    "site_ref, action, path, session_key, ip FROM microstructure_access_log ORDER BY seq"
)


def content_payload(row):
    """The columns of an entry as the text its link hashes."""
    date = row["date"].strftime("%Y-%m-%d %H:%M:%S") if row["date"] else ""
    return "|".join([date] + ["" if row[column] is None else str(row[column]) for column in COLUMNS[1:]])


def link_hash(prev_hash, seq, row):
    """SHA-256 of an entry (its position and columns) chained to the previous one."""
    payload = f"{prev_hash or ''}|{seq}|{content_payload(row)}"
    return hashlib.sha256(payload.encode()).hexdigest()


ENTRY_TYPES = (
    "date timestamp, user_ref integer, user_name varchar, professional_ref integer, profession varchar, "
    "patient_ref integer, site_ref integer, action varchar, path varchar, session_key varchar, ip varchar"
)
# Appends entries to the chain in one call, hence one round trip: under the
# lock of the chain, it reads the last link, chains each entry's SHA-256 to
# the previous one and inserts them all in one statement. ``entries`` is a
# JSON array of objects with the keys of COLUMNS, ``payloads`` their
# ``content_payload``: the link of the i-th entry is the SHA-256 of
# "previous link|position|payload", as ``link_hash`` computes it again from
# the stored columns when the chain is verified.
APPEND_FUNCTION = f"""
CREATE OR REPLACE FUNCTION microstructure_access_log_append(entries jsonb, payloads text[])
RETURNS integer AS $$
DECLARE
    last_seq integer;
    hashes varchar[];
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    SELECT seq, ARRAY[hash] INTO last_seq, hashes FROM microstructure_access_log ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        last_seq := 0;
        hashes := ARRAY[coalesce((SELECT value FROM ir_config_parameter WHERE key = '{ANCHOR_PARAM}'), '')];
    END IF;
    FOR i IN 1..cardinality(payloads) LOOP
        hashes[i + 1] := encode(sha256(convert_to(
            hashes[i] || '|' || (last_seq + i) || '|' || payloads[i], 'UTF8')), 'hex');
    END LOOP;
    INSERT INTO microstructure_access_log (seq, {", ".join(COLUMNS)}, prev_hash, hash)
    SELECT last_seq + e.position, {", ".join("e." + column for column in COLUMNS)},
           hashes[e.position], hashes[e.position + 1]
      FROM ROWS FROM (jsonb_to_recordset(entries) AS ({ENTRY_TYPES}))
           WITH ORDINALITY AS e({", ".join(COLUMNS)}, position);
    RETURN cardinality(payloads);
END $$ LANGUAGE plpgsql;
DROP FUNCTION IF EXISTS microstructure_access_log_append(jsonb);
"""


def entries_json(rows):
    """The rows (dicts of COLUMNS) as the JSON argument of the function."""
    return json.dumps(rows, default=lambda value: value.strftime("%Y-%m-%d %H:%M:%S.%f"))


def append_entries(cr, rows):
    """Append ``rows`` (dicts of COLUMNS) to the chain, on ``cr``, in one
    statement (see ``APPEND_FUNCTION``)."""
    cr.execute(
        "SELECT microstructure_access_log_append(%s::jsonb, %s::text[])",
        [entries_json(rows), [content_payload(row) for row in rows]],
    )


def primary_cursor(dbname):
    """A cursor on the primary database, of its own: what it commits does not
    depend on the request's transaction (read-only on a replica, or rolled
    back by an error)."""
    cr = odoo.sql_db.db_connect(dbname).cursor()
    # READ COMMITTED: the chain's trigger reads the last link committed by
    # others once it holds the lock
    cr._cnx.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
    return cr


# One connection per thread and database for the entries, in autocommit: one
# round trip per request, whatever becomes of the request's transaction.
_connections = threading.local()
# (database, user id) -> (expiry, author): the author of the entries is read
# once a minute, not once a request
_authors = {}
AUTHOR_TTL = 60


def _trace_connection(dbname, fresh=False):
    connections = _connections.__dict__.setdefault("by_db", {})
    connection = connections.get(dbname)
    if fresh or connection is None or connection.closed:
        _dsn, info = odoo.sql_db.connection_info_for(dbname)
        connection = psycopg2.connect(**info)
        # autocommit: each call of the append function is a transaction of
        # its own, committed in the same round trip
        connection.autocommit = True
        with connection.cursor() as cr:
            # the trace does not make the request wait for the disk: a crash of
            # the database server may lose the last fraction of a second of it
            cr.execute("SET synchronous_commit = off")
        connections[dbname] = connection
    return connection


def insert_entries(dbname, entries):
    """Insert the entries of the trace in one statement, committed at once."""
    session_key = ip = None
    if request:
        sid = getattr(request.session, "sid", None)
        session_key = sid and hashlib.sha256(sid.encode()).hexdigest()[:16]
        ip = request.httprequest.remote_addr
    rows = [dict(zip(COLUMNS, (*entry, session_key, ip))) for entry in entries]
    try:
        with _trace_connection(dbname).cursor() as cr:  # autocommit: one round trip
            append_entries(cr, rows)
    except (psycopg2.InterfaceError, psycopg2.OperationalError):
        # the server restarted since: once more on a new connection
        with _trace_connection(dbname, fresh=True).cursor() as cr:
            append_entries(cr, rows)


def flush_request_trace():
    """Write what the current request traced: called at its end, even when it
    failed, without touching its (maybe broken) cursor."""
    entries = getattr(request, "_microstructure_trace", None) if request else None
    if entries:
        request._microstructure_trace = []
        insert_entries(request.db, entries)


class MicrostructureAccessLog(models.Model):
    """Who accessed which patient's data: one entry per person, patient and
    access (opened, listed, printed, exported, sent, modified, refused).

    - It names patients by id only: it copies no patient data.
    - Entries are inserted in SQL on the primary database, through a
      connection of their own committed at once: a read served by a replica,
      or a refused access whose request rolls back, is still traced.
    - It is append-only: the ORM refuses to create, change or delete an
      entry, administrators included, and a trigger refuses to update one.
      Each entry carries the SHA-256 of its content chained to the previous
      entry (computed in the database, under a lock): ``_verify_chain`` names the
      first broken link.
    - A daily scheduled action purges the entries older than the retention
      period (6 months by default), re-anchors the chain and traces the purge.
    """

    _name = "microstructure.access.log"
    _description = "Access to patient data"
    _order = "seq desc"
    _log_access = False

    # seq has a unique index and date a BRIN index (see init): every entry
    # updates each index of the table, on the request's path
    seq = fields.Integer(string="Position", readonly=True, help="Position in the chain.")
    date = fields.Datetime(readonly=True)
    user_ref = fields.Integer(string="User id", readonly=True, index=True)
    user_name = fields.Char(string="Person", readonly=True)
    professional_ref = fields.Integer(string="Professional id", readonly=True)
    # the code written by the append function, shown with its label
    profession = fields.Selection(PROFESSIONS, readonly=True)
    patient_ref = fields.Integer(string="Patient file no.", readonly=True, index=True)
    site_ref = fields.Integer(string="Site id", readonly=True, index=True)
    action = fields.Selection(ACTIONS, string="Access", readonly=True)
    path = fields.Char(string="By", readonly=True, help="Model and method, or report.")
    session_key = fields.Char(string="Session", readonly=True, help="Fingerprint of the session.")
    ip = fields.Char(string="IP address", readonly=True)
    prev_hash = fields.Char(string="Previous link", readonly=True)
    hash = fields.Char(string="SHA-256", readonly=True)
    user_id = fields.Many2one("res.users", compute="_compute_refs")
    site_id = fields.Many2one("microstructure.site", compute="_compute_refs")
    coordinated = fields.Boolean(
        compute="_compute_coordinated", search="_search_coordinated",
        help="The entry is about a patient of a site the user coordinates.",
    )

    def init(self):
        self.env.cr.execute(APPEND_FUNCTION)
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS microstructure_access_log_seq_unique
                ON microstructure_access_log (seq);
            CREATE INDEX IF NOT EXISTS microstructure_access_log_date_brin
                ON microstructure_access_log USING brin (date);
            -- the former b-tree indexes of seq and date (Odoo keeps them)
            DROP INDEX IF EXISTS microstructure_access_log__seq_index;
            DROP INDEX IF EXISTS microstructure_access_log__date_index;

            CREATE OR REPLACE FUNCTION microstructure_access_log_frozen() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND current_setting('microstructure.purge', true) = 'on' THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION 'The access trace is append-only';
            END $$ LANGUAGE plpgsql;

            DROP TRIGGER IF EXISTS microstructure_access_log_frozen ON microstructure_access_log;
            CREATE TRIGGER microstructure_access_log_frozen BEFORE UPDATE OR DELETE ON microstructure_access_log
                FOR EACH ROW EXECUTE FUNCTION microstructure_access_log_frozen();
        """)

    # COMPUTES
    def _compute_refs(self):
        # a user or site deleted since then leaves its number in the trace,
        # not a record: reading the entry must not fail on it
        user_ids = set(self.env["res.users"].browse({e.user_ref for e in self if e.user_ref}).exists().ids)
        site_ids = set(self.env["microstructure.site"].browse({e.site_ref for e in self if e.site_ref}).exists().ids)
        for entry in self:
            entry.user_id = entry.user_ref if entry.user_ref in user_ids else False
            entry.site_id = entry.site_ref if entry.site_ref in site_ids else False

    def _compute_coordinated(self):
        sites = set(self._get_coordinated_site_ids())
        for entry in self:
            entry.coordinated = entry.site_ref in sites

    def _search_coordinated(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the coordinated sites."))
        domain = [("site_ref", "in", self._get_coordinated_site_ids() or [0])]
        return domain if (operator == "=") == value else ["!", *domain]

    def _get_coordinated_site_ids(self):
        # sudo: the user's own coordinator memberships, site ids only; the data
        # protection officer reads the trace with no right on memberships
        Membership = self.env["microstructure.membership"].sudo()
        return Membership.search(
            Membership._get_current_domain() + [("user_id", "=", self.env.uid), ("role", "=", "coordinator")]
        ).site_id.ids

    # APPEND-ONLY
    # The entries are inserted in SQL by ``insert_entries``: the ORM writes none.
    @api.model_create_multi
    def create(self, vals_list):
        if vals_list:
            raise AccessError(self.env._("The access trace is written by the application only."))
        return super().create(vals_list)

    def write(self, vals):
        if self:
            raise AccessError(self.env._("An entry of the access trace cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_trace(self):
        raise AccessError(self.env._("An entry of the access trace cannot be deleted."))

    def copy(self, default=None):
        if self:
            raise AccessError(self.env._("An entry of the access trace cannot be copied."))
        return super().copy(default=default)

    # RECORDING
    @api.model
    def _get_author(self):
        """(user id, name, professional id, profession) of the current user,
        read in one query, at most once a minute (a name or profession changed
        shows in the trace within a minute)."""
        key = (self.env.cr.dbname, self.env.uid)
        expiry, author = _authors.get(key, (0, None))
        if author and expiry > time.monotonic():
            return author
        self.env.cr.execute(
            """SELECT users.id, partner.name, professional.id, professional.profession
                 FROM res_users users
                 JOIN res_partner partner ON partner.id = users.partner_id
            LEFT JOIN microstructure_professional professional
                   ON professional.user_id = users.id AND professional.active
                WHERE users.id = %s
                LIMIT 1""",
            [self.env.uid],
        )
        author = self.env.cr.fetchone()
        _authors[key] = (time.monotonic() + AUTHOR_TTL, author)
        return author

    @api.model
    def _record(self, action, pairs, path, refused=False, system=False):
        """Trace ``action`` on the patients ``pairs`` ((patient id, site id))
        by the current user. Inside an HTTP request, the entries wait for the
        end of the request (``_flush_request``) and are written in one
        statement; elsewhere they are written at once. What the superuser
        does is traced with ``system`` only (the retention schedule)."""
        pairs = list(dict.fromkeys(pair for pair in pairs if pair[0] or refused))
        if not pairs or (self.env.uid == odoo.SUPERUSER_ID and not system):
            return
        author = self._get_author()
        if request:
            path = path or request.httprequest.path
        now = fields.Datetime.now()
        entries = [(now, *author, patient or None, site or None, action, path) for patient, site in pairs]
        if request:
            if not hasattr(request, "_microstructure_trace"):
                request._microstructure_trace = []
            request._microstructure_trace.extend(entries)
        else:
            insert_entries(self.env.cr.dbname, entries)

    # VERIFICATION
    @api.model
    def _verify_chain(self):
        """Id of the first entry whose link is broken (content changed, entry
        removed or inserted), or ``None`` when the whole chain holds."""
        # on a cursor of its own: the trace as committed, whatever the
        # request's transaction saw
        with primary_cursor(self.env.cr.dbname) as cr:
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [ANCHOR_PARAM])
            previous = (cr.fetchone() or [""])[0]
            cr.execute(VERIFY_QUERY)
            while rows := cr.dictfetchmany(2000):
                for row in rows:
                    if row["prev_hash"] != previous or row["hash"] != link_hash(previous, row["seq"], row):
                        return row["id"]
                    previous = row["hash"]
        return None

    @api.model
    def action_verify_chain(self):
        """Button of the data protection officer: check the whole chain."""
        if not self.env.user.has_group("odoo_microstructure.group_microstructure_dpo"):
            raise AccessError(self.env._("Only the data protection officer verifies the access trace."))
        broken = self._verify_chain()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "danger" if broken else "success",
                "sticky": bool(broken),
                "message": self.env._(
                    "The access trace was altered: the first broken link is entry %(entry)s.", entry=broken,
                ) if broken else self.env._("The access trace is intact."),
            },
        }

    # RETENTION
    @api.model
    def _cron_purge(self):
        """Delete the entries older than the retention period, anchor the
        chain on the last entry deleted, and trace the purge."""
        # sudo: a system parameter, read by the scheduled action
        months = int(self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, 6))
        limit = fields.Datetime.subtract(fields.Datetime.now(), months=months)
        with primary_cursor(self.env.cr.dbname) as cr:  # committed when the block ends
            cr.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cr.execute(
                "SELECT seq, hash FROM microstructure_access_log WHERE date < %s ORDER BY seq DESC LIMIT 1",
                [limit],
            )
            last = cr.fetchone()
            if not last:
                return 0
            cr.execute("SET LOCAL microstructure.purge = 'on'")
            cr.execute("DELETE FROM microstructure_access_log WHERE seq <= %s", [last[0]])
            count = cr.rowcount
            cr.execute(
                """INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
                   VALUES (%s, %s, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC')
                   ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value""",
                [ANCHOR_PARAM, last[1]],
            )
            author = self._get_author()
            append_entries(cr, [dict.fromkeys(COLUMNS) | {
                "date": fields.Datetime.now(), "user_ref": author[0], "user_name": author[1],
                "action": "purge", "path": f"{count} entries before {limit}",
            }])
        self.env["ir.config_parameter"].invalidate_model()
        return count
