import atexit
import functools
import hashlib
import json
import logging
import os
import select
import threading
import time

import psycopg2
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED, POLL_OK, POLL_READ

import odoo
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from .microstructure_professions import PROFESSIONS

_logger = logging.getLogger(__name__)

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


def _text(value):
    return "" if value is None else str(value)


def payload_head(date, user_ref, user_name, professional_ref, profession):
    """The text of an entry's columns before its patient (see ``content_payload``)."""
    date = date.strftime("%Y-%m-%d %H:%M:%S") if date else ""
    return f"{date}|{_text(user_ref)}|{_text(user_name)}|{_text(professional_ref)}|{_text(profession)}|"


def payload_tail(action, path, session_key, ip):
    """The text of an entry's columns after its site (see ``content_payload``)."""
    return f"{_text(action)}|{_text(path)}|{_text(session_key)}|{_text(ip)}"


def content_payload(row):
    """The columns of an entry as the text its link hashes: separated by
    "|", empty when null, the date to the second."""
    return (
        payload_head(*(row[column] for column in COLUMNS[:5]))
        + f"{_text(row['patient_ref'])}|{_text(row['site_ref'])}|"
        + payload_tail(*(row[column] for column in COLUMNS[7:]))
    )


def link_hash(prev_hash, seq, row):
    """SHA-256 of an entry (its position and columns) chained to the previous one."""
    payload = f"{prev_hash or ''}|{seq}|{content_payload(row)}"
    return hashlib.sha256(payload.encode()).hexdigest()


GROUP_COLUMNS = ("date", "user_ref", "user_name", "professional_ref", "profession", "action", "path",
                 "session_key", "ip")
# Appends the entries of a request to the chain in one call, hence one round
# trip. The entries come in groups (one per call of ``_record``) whose entries
# differ by their patient and site only:
# - ``groups``: a JSON array of objects with the keys of GROUP_COLUMNS;
# - ``pairs``: (group, patient id, site id) of each entry, in a flat array;
# - ``heads`` and ``tails``: the text of each group's columns before the
#   patient and after the site (``payload_head``, ``payload_tail``).
# Under the lock of the chain, it reads the last link, chains each entry's
# SHA-256 to the previous one and inserts them all in one statement: the
# link of the i-th entry is the SHA-256 of "previous link|position|text of
# the entry", as ``link_hash`` computes it again from the stored columns when
# the chain is verified. Its statements get a generic plan: a plan made for
# the number of entries of each call would be made again at each call.
APPEND_FUNCTION = f"""
CREATE OR REPLACE FUNCTION microstructure_access_log_append(
    groups jsonb, pairs integer[], heads text[], tails text[]
) RETURNS integer AS $$
DECLARE
    total integer := cardinality(pairs) / 3;
    inserted integer;
    last_seq integer;
    hashes varchar[];
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    SELECT seq, ARRAY[hash] INTO last_seq, hashes FROM microstructure_access_log ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        last_seq := 0;
        hashes := ARRAY[coalesce((SELECT value FROM ir_config_parameter WHERE key = '{ANCHOR_PARAM}'), '')];
    END IF;
    FOR i IN 1..total LOOP
        hashes[i + 1] := encode(sha256(convert_to(
            hashes[i] || '|' || (last_seq + i) || '|' || heads[pairs[3 * i - 2]]
            || coalesce(pairs[3 * i - 1]::text, '') || '|' || coalesce(pairs[3 * i]::text, '') || '|'
            || tails[pairs[3 * i - 2]], 'UTF8')), 'hex');
    END LOOP;
    INSERT INTO microstructure_access_log (seq, {", ".join(COLUMNS)}, prev_hash, hash)
    SELECT last_seq + i, g.date, g.user_ref, g.user_name, g.professional_ref, g.profession,
           pairs[3 * i - 1], pairs[3 * i], g.action, g.path, g.session_key, g.ip, hashes[i], hashes[i + 1]
      FROM generate_series(1, total) AS i
      JOIN ROWS FROM (jsonb_to_recordset(groups) AS (
               date timestamp, user_ref integer, user_name varchar, professional_ref integer,
               profession varchar, action varchar, path varchar, session_key varchar, ip varchar
           )) WITH ORDINALITY AS g({", ".join(GROUP_COLUMNS)}, position)
        ON g.position = pairs[3 * i - 2];
    GET DIAGNOSTICS inserted = ROW_COUNT;
    IF inserted != total THEN
        RAISE EXCEPTION 'Access trace: % entries of % name no group', total - inserted, total;
    END IF;
    RETURN total;
END $$ LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan;
DROP FUNCTION IF EXISTS microstructure_access_log_append(jsonb, text[]);
DROP FUNCTION IF EXISTS microstructure_access_log_append(jsonb);
"""
APPEND_QUERY = "SELECT microstructure_access_log_append(%s::jsonb, %s::integer[], %s::text[], %s::text[])"


def entry_group(date, author, action, path, pairs):
    """Entries of ``author`` (user id, name, professional id, profession) on
    the ``pairs`` ((patient id, site id), ``None`` when unknown), as
    ``_record`` keeps them until they are sent."""
    return (date, *author, action, path, pairs)


def append_arguments(groups, session_key=None, ip=None):
    """The arguments of the append function for ``groups`` (``entry_group``)."""
    columns, heads, tails, pairs = [], [], [], []
    for number, (date, user_ref, user_name, professional_ref, profession, action, path, entries) \
            in enumerate(groups, 1):
        columns.append({
            "date": date and str(date), "user_ref": user_ref, "user_name": user_name,
            "professional_ref": professional_ref, "profession": profession, "action": action, "path": path,
            "session_key": session_key, "ip": ip,
        })
        heads.append(payload_head(date, user_ref, user_name, professional_ref, profession))
        tails.append(payload_tail(action, path, session_key, ip))
        pairs.extend(
            f"{number},{'NULL' if patient is None else int(patient)},{'NULL' if site is None else int(site)}"
            for patient, site in entries
        )
    # the pairs as the text of an integer array: psycopg2 would send a list
    # as an ARRAY[...] of literals, ten times slower to build for 80 entries
    return [json.dumps(columns), "{%s}" % ",".join(pairs), heads, tails]


def append_entries(cr, groups):
    """Append the entries of ``groups`` to the chain, on ``cr``, in one
    statement (see ``APPEND_FUNCTION``)."""
    cr.execute(APPEND_QUERY, append_arguments(groups))


def primary_cursor(dbname):
    """A cursor on the primary database, of its own: what it commits does not
    depend on the request's transaction (read-only on a replica, or rolled
    back by an error)."""
    cr = odoo.sql_db.db_connect(dbname).cursor()
    # READ COMMITTED: the chain's trigger reads the last link committed by
    # others once it holds the lock
    cr._cnx.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
    return cr


# (database, user id) -> (expiry, author): the author of the entries is read
# once a minute, not once a request
_authors = {}
AUTHOR_TTL = 60
# how long ``wait_for_trace`` waits for the appends sent by other threads
WAIT_TIMEOUT = 30


def _poll(connection, until_done):
    """Poll an asynchronous connection until its statement is sent (or, with
    ``until_done``, until its result is read)."""
    while True:
        state = connection.poll()
        if state == POLL_OK or (state == POLL_READ and not until_done):
            return
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN if state == POLL_READ else select.POLLOUT)
        poller.poll()


class TraceConnection:
    """A connection of the trace to the primary, in autocommit: each call of
    the append function is a transaction of its own, committed whatever
    becomes of the request's transaction.

    The call is sent without waiting for its result (an asynchronous
    connection): the request does not wait for the database to insert and
    commit. The result is read (``collect``) before the connection sends
    anything else, after the response of the request that sent it (see
    ``ir.http``), or by ``wait_for_trace``. An append that failed is logged
    and its entries written again on a new connection; if that fails too,
    they are written to the server log, with the error. An append that cannot
    even be sent makes the request fail, as a synchronous one did."""

    def __init__(self, dbname):
        self.dbname = dbname
        self.connection = self.cursor = None
        self.asynchronous = True
        # the arguments of the append sent whose result is not read yet
        self.pending = None
        # appends sent, and appends whose result was read
        self.sent = self.done = 0

    def _connect(self):
        _dsn, info = odoo.sql_db.connection_info_for(self.dbname)
        # under gevent (the websocket server), psycopg2 already waits through
        # gevent's loop, which this polling would block: synchronous there
        self.asynchronous = psycopg2.extensions.get_wait_callback() is None
        self.connection = psycopg2.connect(**info, async_=self.asynchronous)
        if self.asynchronous:
            _poll(self.connection, until_done=True)
        else:
            self.connection.autocommit = True
        # the trace does not make the database wait for the disk: a crash of
        # the database server may lose the last fraction of a second of it
        self._execute("SET synchronous_commit = off", until_done=True)

    def _close(self):
        connection, self.connection, self.cursor = self.connection, None, None
        if connection is not None:
            connection.close()

    def _execute(self, query, args=None, until_done=False):
        if self.connection is None or self.connection.closed:
            self._connect()
        # kept until the result is read: psycopg2 reads it through the cursor
        self.cursor = self.connection.cursor()
        self.cursor.execute(query, args)
        if self.asynchronous:
            _poll(self.connection, until_done)

    def send(self, entries):
        """Send a call of the append function with ``entries`` (its
        arguments), after reading the result of the previous one."""
        self.collect()
        try:
            try:
                self._execute(APPEND_QUERY, entries)
            except (psycopg2.InterfaceError, psycopg2.OperationalError):
                # the server restarted since: once more on a new connection
                self._close()
                self._execute(APPEND_QUERY, entries)
        except (psycopg2.InterfaceError, psycopg2.OperationalError):
            self._close()
            raise
        except psycopg2.Error as error:
            # already answered, with an error
            self.sent += 1
            self.pending = entries
            self._failed(error)
            return
        self.sent += 1
        self.pending = entries
        if not self.asynchronous:
            self.collect()

    def collect(self):
        """Read the result of the append sent last, if not read yet."""
        if self.pending is None:
            return
        try:
            if self.asynchronous:
                _poll(self.connection, until_done=True)
        except psycopg2.Error as error:
            self._failed(error)
        else:
            self.pending = self.cursor = None
            self.done = self.sent

    def _failed(self, error):
        entries, self.pending = self.pending, None
        self._close()
        _logger.error("Access trace: an append failed (%s); its entries are written again", error)
        try:
            self._execute(APPEND_QUERY, entries, until_done=True)
        except psycopg2.Error:
            self._close()
            _logger.critical("Access trace: these entries could not be written: %s", entries, exc_info=True)
        self.cursor = None
        self.done = self.sent


class TracePool:
    """The trace connections of a database in this process, used by one
    thread at a time and kept from request to request."""

    def __init__(self, dbname):
        self.dbname = dbname
        self.condition = threading.Condition(threading.Lock())
        self.connections = []
        self.idle = []

    def _borrow(self):
        with self.condition:
            if self.idle:
                return self.idle.pop()
            connection = TraceConnection(self.dbname)
            self.connections.append(connection)
            return connection

    def _give_back(self, connection):
        with self.condition:
            self.idle.append(connection)
            self.condition.notify_all()

    def send(self, entries):
        """Send an append; return a function that waits for its result."""
        connection = self._borrow()
        try:
            connection.send(entries)
        finally:
            self._give_back(connection)
        return functools.partial(self.wait, {connection: connection.sent})

    def wait(self, targets=None, timeout=WAIT_TIMEOUT):
        """Wait until the results of the appends sent so far (or of
        ``targets``, {connection: appends sent}) are read; ``False`` if some
        are still awaited after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self.condition:
            if targets is None:
                targets = {connection: connection.sent for connection in self.connections}
        while True:
            with self.condition:
                late = [connection for connection, sent in targets.items() if connection.done < sent]
                if not late:
                    return True
                idle = [connection for connection in late if connection in self.idle]
                if not idle:
                    # in use by another thread, which reads the result first
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not self.condition.wait(remaining):
                        return False
                    continue
                for connection in idle:
                    self.idle.remove(connection)
            for connection in idle:
                try:
                    connection.collect()
                finally:
                    self._give_back(connection)


_pools = {}
_pools_lock = threading.Lock()
_forgotten = []


def _pool(dbname):
    pool = _pools.get(dbname)
    if pool is None:
        with _pools_lock:
            pool = _pools.setdefault(dbname, TracePool(dbname))
    return pool


def _forget_pools():
    # a forked worker must not use, nor close, its parent's connections
    _forgotten.append(dict(_pools))
    _pools.clear()


os.register_at_fork(after_in_child=_forget_pools)


def send_entries(dbname, groups, session_key=None, ip=None):
    """Send the entries of ``groups`` (see ``entry_group``) to the chain, in
    one statement, committed at once; return a function that waits for its
    result."""
    return _pool(dbname).send(append_arguments(groups, session_key, ip))


def wait_for_trace(dbname=None, timeout=WAIT_TIMEOUT):
    """Wait until the entries sent by this process (to ``dbname``) are
    written: the barrier of the tests, and of what reads the trace as
    committed. ``False`` if some are still awaited after ``timeout``."""
    pools = [_pools[dbname]] if dbname in _pools else [] if dbname else list(_pools.values())
    return all([pool.wait(timeout=timeout) for pool in pools])


# a process that ends (a scheduled action's, a shell's) reads its last results
atexit.register(wait_for_trace)


def _request_origin(req):
    """(session fingerprint, IP address) of the request ``req``."""
    if req is None:
        return None, None
    sid = getattr(req.session, "sid", None)
    return sid and hashlib.sha256(sid.encode()).hexdigest()[:16], req.httprequest.remote_addr


def _current_request():
    return request._get_current_object() if request else None


def insert_entries(dbname, entries):
    """Send the entries ((date, user id, name, professional id, profession,
    patient id, site id, action, path)), one group each."""
    groups = [entry_group(date, author, action, path, [(patient, site)])
              for date, *author, patient, site, action, path in entries]
    return send_entries(dbname, groups, *_request_origin(_current_request()))


def flush_request_trace(req=None):
    """Send what the request ``req`` (the current one by default) traced:
    called at its end, even when it failed, without touching its (maybe
    broken) cursor. Returns a function that waits for the result, or
    ``None``."""
    req = _current_request() if req is None else req
    groups = getattr(req, "_microstructure_trace", None)
    if not groups:
        return None
    req._microstructure_trace = []
    return send_entries(req.db, groups, *_request_origin(req))


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
    # The entries are inserted in SQL by ``send_entries``: the ORM writes none.
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
        end of the request (``flush_request_trace``) and are sent in one
        statement; elsewhere they are sent at once (see ``TraceConnection``).
        What the superuser does is traced with ``system`` only (the retention
        schedule)."""
        pairs = list(dict.fromkeys(
            (patient or None, site or None) for patient, site in pairs if patient or refused
        ))
        if not pairs or (self.env.uid == odoo.SUPERUSER_ID and not system):
            return
        path = path or (request.httprequest.path if request else None)
        group = entry_group(fields.Datetime.now(), self._get_author(), action, path, pairs)
        if request:
            if not hasattr(request, "_microstructure_trace"):
                request._microstructure_trace = []
            request._microstructure_trace.append(group)
        else:
            send_entries(self.env.cr.dbname, [group])

    # VERIFICATION
    @api.model
    def _verify_chain(self):
        """Id of the first entry whose link is broken (content changed, entry
        removed or inserted), or ``None`` when the whole chain holds."""
        # on a cursor of its own: the trace as committed, whatever the
        # request's transaction saw, with what this process sent before
        wait_for_trace(self.env.cr.dbname)
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
            user_ref, user_name, *_professional = self._get_author()
            append_entries(cr, [entry_group(
                fields.Datetime.now(), (user_ref, user_name, None, None), "purge",
                f"{count} entries before {limit}", [(None, None)],
            )])
        self.env["ir.config_parameter"].invalidate_model()
        return count
