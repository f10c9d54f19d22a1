"""The figures of the indicators kept per site and reporting year.

The regional report of a reporting year adds up, site by site, figures that
only change when a patient file, a consultation, a permanence, a meeting, a
survey answer or a scale result of that site and year changes. They are kept per site and
year in ``microstructure_indicator_kept``, so that opening the dashboard
of a national network reads about a thousand rows instead of a million
consultations.

The kept figures are never out of date:

- every change to the rows they are computed from marks the sites and years
  it touches as stale (``microstructure_indicator_stale``), in the same
  transaction, by statement-level triggers in PostgreSQL: whatever writes,
  the ORM, a raw query or an upgrade script;
- a site's figures are kept with the snapshot of the transaction that
  computed them, and are read only while no stale mark is invisible in that
  snapshot: a change committed after it, or still in progress, or made by
  the reading transaction itself, sends the report back to the tables for
  that site (the marks of the computing transaction's own earlier changes
  are forgotten with the others it has seen);
- a cron computes again the figures of the ended years whose sites are
  stale, and forgets the marks its snapshot has seen. Without it the report
  is as exact, only slower.

Both tables are plain PostgreSQL tables: no model, no access right, nothing
to read over RPC. They hold counts per site and year only.
"""

import gc
import json
from contextlib import contextmanager

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.indicator_definitions import (
    FIRST_YEAR,
    REPORT_TZ,
    YEAR_START_MONTH,
    last_complete_year,
    reporting_year_bounds,
    utc_bounds,
)

# Per table read by the figures per site: the sites and reporting years that
# a set of its rows (the transition table, ``%1$s``) touches, and the columns
# whose change touches them (``None``: rows are only inserted and deleted).
# A patient touches the years it is followed in, and the year before its
# inclusion and after its exit (the flows of the neighbour periods).
PATIENT_YEARS = """generate_series(microstructure_reporting_year(r.inclusion_date) - 1,
                                   microstructure_reporting_year(coalesce(r.exit_date, current_date)) + 1)"""
# a setting the figures of every site read touches every site and year kept
EVERY_KEPT_YEAR = "SELECT s.site_id, s.year FROM microstructure_indicator_kept s WHERE EXISTS (SELECT FROM %1$s r)"
STALE_SOURCES = {
    "microstructure_consultation": (
        "SELECT r.site_id, microstructure_reporting_year_at(r.start) FROM %1$s r",
        "site_id, start, state, professional_id",
    ),
    # the consultations are counted per profession: a professional's change
    # of profession touches the sites and years of its consultations
    "microstructure_professional": (
        "SELECT c.site_id, microstructure_reporting_year_at(c.start) FROM %1$s r "
        "JOIN microstructure_consultation c ON c.professional_id = r.id",
        "profession",
    ),
    "microstructure_permanence": (
        "SELECT r.site_id, microstructure_reporting_year_at(r.start) FROM %1$s r",
        "site_id, start, state, profession, slot_count, booked_count",
    ),
    "microstructure_meeting": (
        "SELECT r.site_id, microstructure_reporting_year_at(r.start) FROM %1$s r",
        "site_id, start, state, kind",
    ),
    "microstructure_meeting_attendee_rel": (
        "SELECT m.site_id, microstructure_reporting_year_at(m.start) FROM %1$s r "
        "JOIN microstructure_meeting m ON m.id = r.meeting_id",
        None,
    ),
    "microstructure_meeting_present_rel": (
        "SELECT m.site_id, microstructure_reporting_year_at(m.start) FROM %1$s r "
        "JOIN microstructure_meeting m ON m.id = r.meeting_id",
        None,
    ),
    # and the years of its scale results (a file that stops counting takes
    # its outcomes with it)
    "microstructure_patient": (
        f"SELECT r.site_id, y FROM %1$s r CROSS JOIN LATERAL (SELECT {PATIENT_YEARS} UNION "
        "SELECT microstructure_reporting_year(s.date) FROM microstructure_scale_result s "
        "WHERE s.patient_id = r.id) years (y)",
        "site_id, inclusion_date, exit_date, active, retention_archived, motive_addiction, motive_precarity, "
        "motive_mental_health, sex, birth_date",
    ),
    "microstructure_patient_microstructure_substance_rel": (
        "SELECT r.site_id, y FROM (SELECT p.* FROM %1$s rel JOIN microstructure_patient p "
        f"ON p.id = rel.microstructure_patient_id) r CROSS JOIN LATERAL {PATIENT_YEARS} y",
        None,
    ),
    "microstructure_liaison": (
        "SELECT r.site_id, microstructure_reporting_year(r.date) FROM %1$s r",
        "site_id, date, state",
    ),
    "survey_user_input": (
        "SELECT r.microstructure_site_id, microstructure_reporting_year_at(r.end_datetime) FROM %1$s r",
        "microstructure_site_id, end_datetime, state, test_entry",
    ),
    "survey_user_input_line": (
        "SELECT a.microstructure_site_id, microstructure_reporting_year_at(a.end_datetime) FROM %1$s r "
        "JOIN survey_user_input a ON a.id = r.user_input_id",
        "user_input_id, question_id, suggested_answer_id, skipped",
    ),
    # a scale result is the follow-up of its year, and may be the baseline of
    # any later one
    "microstructure_scale_result": (
        "SELECT r.site_id, y FROM %1$s r CROSS JOIN LATERAL generate_series(microstructure_reporting_year(r.date), "
        "greatest(microstructure_reporting_year(r.date), microstructure_reporting_year(current_date))) y",
        "site_id, patient_id, scale_id, date, score, band_id",
    ),
    # which questions count, which answers are positive, the scales'
    # meaningful changes and thresholds: every site and year kept (settings
    # changed rarely)
    "survey_question": (EVERY_KEPT_YEAR, "microstructure_indicator"),
    "survey_question_answer": (EVERY_KEPT_YEAR, "microstructure_positive"),
    "microstructure_scale": (EVERY_KEPT_YEAR, "meaningful_change"),
    "microstructure_scale_band": (EVERY_KEPT_YEAR, "above_threshold"),
}

@contextmanager
def gc_paused():
    """Pause Python's cycle collector while decoding the figures kept: a
    national report decodes a hundred thousand small lists and numbers, which
    hold no cycle, and each collection they trigger walks the whole heap of
    the server (three to six times the decoding itself)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# the triggers of a table: event, and the transition tables they read
TRIGGER_EVENTS = {
    "insert": (SQL("INSERT"), SQL("NEW TABLE AS new_rows")),
    "delete": (SQL("DELETE"), SQL("OLD TABLE AS old_rows")),
    "update": (SQL("UPDATE"), SQL("OLD TABLE AS old_rows NEW TABLE AS new_rows")),
}

# the figures kept for a site and year (alias ``summary``) hold every change
# marked stale since
UP_TO_DATE = SQL("""NOT EXISTS (
    SELECT FROM microstructure_indicator_stale stale
     WHERE stale.site_id = summary.site_id AND stale.year = summary.year
       AND NOT pg_visible_in_snapshot(stale.xid, summary.snapshot))""")


class MicrostructureIndicatorSummary(models.AbstractModel):
    _name = "microstructure.indicator.summary"
    _description = "Indicator figures kept per site and reporting year"

    def init(self):
        cr = self.env.cr
        cr.execute("""
            CREATE TABLE IF NOT EXISTS microstructure_indicator_kept (
                site_id integer NOT NULL REFERENCES microstructure_site(id) ON DELETE CASCADE,
                year integer NOT NULL,
                rows jsonb NOT NULL,
                snapshot pg_snapshot NOT NULL,
                PRIMARY KEY (site_id, year)
            );
            CREATE TABLE IF NOT EXISTS microstructure_indicator_stale (
                site_id integer NOT NULL,
                year integer NOT NULL,
                xid xid8 NOT NULL DEFAULT pg_current_xact_id()
            );
            CREATE INDEX IF NOT EXISTS microstructure_indicator_stale_site_year
                ON microstructure_indicator_stale (site_id, year);
            -- the figures kept were computed by the code before this one
            TRUNCATE microstructure_indicator_kept, microstructure_indicator_stale;

            -- TG_ARGV[0]: the sites and years of a set of rows (%1$s);
            -- TG_ARGV[1]: the columns whose change counts, on update
            CREATE OR REPLACE FUNCTION microstructure_indicator_stale() RETURNS trigger
                LANGUAGE plpgsql AS $$
            DECLARE
                sources text[] := ARRAY[]::text[];
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    sources := ARRAY['new_rows'];
                ELSIF TG_OP = 'DELETE' THEN
                    sources := ARRAY['old_rows'];
                ELSE
                    sources := ARRAY[
                        format('(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id
                                  WHERE (%1$s) IS DISTINCT FROM (%2$s))',
                               regexp_replace(TG_ARGV[1], '(\\w+)', 'n.\\1', 'g'),
                               regexp_replace(TG_ARGV[1], '(\\w+)', 'o.\\1', 'g')),
                        format('(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id
                                  WHERE (%1$s) IS DISTINCT FROM (%2$s))',
                               regexp_replace(TG_ARGV[1], '(\\w+)', 'n.\\1', 'g'),
                               regexp_replace(TG_ARGV[1], '(\\w+)', 'o.\\1', 'g'))
                    ];
                END IF;
                EXECUTE 'INSERT INTO microstructure_indicator_stale (site_id, year)
                         SELECT DISTINCT site_id, year FROM ('
                    || array_to_string(ARRAY(SELECT format(TG_ARGV[0], source) FROM unnest(sources) source),
                                       ' UNION ALL ')
                    || ') touched (site_id, year) WHERE site_id IS NOT NULL AND year IS NOT NULL';
                RETURN NULL;
            END $$;
        """)
        # the reporting year of a day, and of a UTC time taken in French time
        cr.execute(SQL("""
            CREATE OR REPLACE FUNCTION microstructure_reporting_year(day date) RETURNS integer
                LANGUAGE sql IMMUTABLE AS
                $$ SELECT extract(year FROM day)::integer - (extract(month FROM day) < %s)::integer $$;
            CREATE OR REPLACE FUNCTION microstructure_reporting_year_at(moment timestamp) RETURNS integer
                LANGUAGE sql STABLE AS
                $$ SELECT microstructure_reporting_year(((moment AT TIME ZONE 'UTC') AT TIME ZONE %s)::date) $$;
        """, YEAR_START_MONTH, REPORT_TZ.zone))
        # after an upgrade, the figures are kept again at the cron's next run,
        # not an hour later
        cron = self.env.ref("odoo_microstructure.ir_cron_microstructure_indicator_summary_refresh",
                            raise_if_not_found=False)
        if cron:
            cron._trigger()
        for table, (touched, columns) in STALE_SOURCES.items():
            for event, (when, transition) in TRIGGER_EVENTS.items():
                if event == "update" and not columns:
                    continue
                name = SQL.identifier(f"microstructure_indicator_stale_{event}")
                cr.execute(SQL("""
                    DROP TRIGGER IF EXISTS %(name)s ON %(table)s;
                    CREATE TRIGGER %(name)s AFTER %(when)s ON %(table)s REFERENCING %(transition)s
                        FOR EACH STATEMENT EXECUTE FUNCTION microstructure_indicator_stale(%(touched)s, %(columns)s);
                """, name=name, table=SQL.identifier(table), when=when, transition=transition, touched=touched,
                    columns=columns or ""))

    # READ --------------------------------------------------------------------
    @api.model
    def _get_site_rows(self, params):
        """The figures per site of ``params`` (see ``_compute_site_rows`` of
        ``microstructure.indicators``): those kept and up to date for a
        reporting year, the others computed from the tables."""
        Indicators = self.env["microstructure.indicators"]
        year = self._get_year(params["from"], params["to"])
        kept = {}
        if year is not None:
            self.env.cr.execute(SQL("""
                SELECT summary.site_id, summary.rows::text
                  FROM microstructure_indicator_kept summary
                 WHERE summary.year = %s AND summary.site_id = ANY(%s) AND %s
            """, year, params["sites"], UP_TO_DATE))
            keys = set(Indicators._get_site_row_keys())
            # decoded here, the collector paused: faster than the driver's own
            # decoding of jsonb
            with gc_paused():
                kept = {site_id: json.loads(rows) for site_id, rows in self.env.cr.fetchall()}
            kept = {site_id: rows for site_id, rows in kept.items() if keys <= rows.keys()}
        missing = [site_id for site_id in params["sites"] if site_id not in kept]
        if missing:
            kept.update(Indicators._compute_site_rows(dict(params, sites=missing)))
        return kept

    @api.model
    def _get_year(self, date_from, date_to):
        """The reporting year of a period that is one, else ``None``."""
        year = date_from.year if date_from.month >= YEAR_START_MONTH else date_from.year - 1
        return year if (date_from, date_to) == reporting_year_bounds(year) else None

    # KEEP --------------------------------------------------------------------
    @api.model
    def _cron_refresh(self):
        self._refresh()

    @api.model
    def _refresh(self, years=None):
        """Compute again the figures of the ended reporting years (or of
        ``years``) for every site whose figures are missing or stale, then
        forget the stale marks this transaction's snapshot has seen: the
        figures kept now include their changes.

        Runs as the superuser (a cron's user, or a maintenance command): the
        figures are per site and year, and never leave this table but through
        the report, which reads them for the sites of its own scope only.
        """
        cr = self.env.cr
        self.env.flush_all()
        last = last_complete_year(fields.Date.context_today(self))
        Indicators = self.env["microstructure.indicators"]
        years = list(years or range(FIRST_YEAR, last + 1))
        for year in years:
            cr.execute(SQL("""
                SELECT site.id FROM microstructure_site site
                 WHERE NOT EXISTS (
                     SELECT FROM microstructure_indicator_kept summary
                      WHERE summary.site_id = site.id AND summary.year = %s AND %s)
                 ORDER BY site.id
            """, year, UP_TO_DATE))
            site_ids = [row[0] for row in cr.fetchall()]
            if not site_ids:
                continue
            date_from, date_to = reporting_year_bounds(year)
            start, stop = utc_bounds(date_from, date_to)
            rows = Indicators._compute_site_rows(
                {"sites": site_ids, "from": date_from, "to": date_to, "start": start, "stop": stop}
            )
            cr.execute("""
                INSERT INTO microstructure_indicator_kept (site_id, year, rows, snapshot)
                SELECT site.key::integer, %s, site.value, pg_current_snapshot()
                  FROM jsonb_each(%s::jsonb) site
                    ON CONFLICT (site_id, year) DO UPDATE SET rows = EXCLUDED.rows, snapshot = EXCLUDED.snapshot
            """, [year, json.dumps(rows)])
        # the marks of the years just refreshed, and of those with no figures
        # kept (the current year): a later refresh sees their changes. The
        # marks of this transaction's own changes are seen too, though its
        # snapshot does not hold them: the figures were computed after them.
        cr.execute("""
            DELETE FROM microstructure_indicator_stale stale
             WHERE (pg_visible_in_snapshot(stale.xid, pg_current_snapshot())
                    OR stale.xid = pg_current_xact_id_if_assigned())
               AND (stale.year = ANY(%s) OR NOT EXISTS (
                   SELECT FROM microstructure_indicator_kept summary WHERE summary.year = stale.year))
        """, [years])
