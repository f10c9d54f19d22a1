import json
import os
import shutil
import subprocess
from contextlib import closing, contextmanager

from odoo import Command, sql_db
from odoo.modules.registry import Registry
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL, config
from odoo.tools.misc import exec_pg_environ, find_pg_tool

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

GROUP = "odoo_microstructure.group_microstructure_"


class JsonRpcMixin:
    """Calls over JSON-RPC as the web client makes them (for HttpCase)."""

    def _call(self, model, method, *args, **kwargs):
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}", headers={"Content-Type": "application/json"},
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                "model": model, "method": method, "args": list(args), "kwargs": kwargs,
            }}),
        )
        return response.json()


class MicrostructureCommon(TransactionCase):
    """Two networks in two regions, three sites and one user per role.

    Network A (Grand Est): sites A1 (Bas-Rhin) and A2 (Haut-Rhin).
    Network B (Occitanie): site B1 (Haute-Garonne).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        ref = cls.env.ref
        cls.region_ge = ref("odoo_microstructure.region_44")
        cls.region_occ = ref("odoo_microstructure.region_76")

        def user(login, role, **kwargs):
            return new_test_user(
                cls.env, login=login, groups=GROUP + role, context=DISABLED_MAIL_CONTEXT,
                lang="en_US", tz="Europe/Paris", **kwargs
            )

        cls.user_manager = user("ms_manager", "manager")
        cls.user_admin_a = user("ms_admin_a", "network_admin")
        cls.user_admin_b = user("ms_admin_b", "network_admin")
        cls.user_gp_a1 = user("ms_gp_a1", "practitioner")
        cls.user_psy_a = user("ms_psy_a", "practitioner")
        cls.user_coord_b1 = user("ms_coord_b1", "coordinator")
        cls.user_regional_ge = user(
            "ms_regional_ge", "regional_manager",
            microstructure_region_ids=[Command.set(cls.region_ge.ids)],
        )
        cls.user_carsat = user("ms_carsat", "carsat")
        cls.user_employee = new_test_user(
            cls.env, login="ms_employee", groups="base.group_user", lang="en_US"
        )

        Network = cls.env["microstructure.network"]
        cls.network_a = Network.create({
            "name": "Réseau test A",
            "region_ids": [Command.set(cls.region_ge.ids)],
            "coordinator_ids": [Command.set(cls.user_admin_a.ids)],
        })
        cls.network_b = Network.create({
            "name": "Réseau test B",
            "region_ids": [Command.set(cls.region_occ.ids)],
            "coordinator_ids": [Command.set(cls.user_admin_b.ids)],
        })
        Site = cls.env["microstructure.site"]

        def site(name, city, department, network, date_open, **programs):
            return Site.create({
                "name": name, "city": city, "department_id": ref(f"odoo_microstructure.department_{department}").id,
                "network_id": network.id, "date_open": date_open, **programs,
            })

        cls.site_a1 = site("Microstructure test A1", "Strasbourg", "67", cls.network_a, "2021-01-04",
                           program_addiction=True, program_mental_health=True)
        cls.site_a2 = site("Microstructure test A2", "Mulhouse", "68", cls.network_a, "2022-03-01",
                           program_addiction=True)
        cls.site_b1 = site("Microstructure test B1", "Toulouse", "31", cls.network_b, "2021-09-01",
                           program_mental_health=True)

        Professional = cls.env["microstructure.professional"]
        cls.pro_gp_a1 = Professional.create({
            "name": "Dr Claire Martin", "profession": "gp", "rpps": "10000000009",
            "user_id": cls.user_gp_a1.id, "network_ids": [Command.set(cls.network_a.ids)],
        })
        cls.pro_psy_a = Professional.create({
            "name": "Paul Weber", "profession": "psychologist", "adeli": "679312345",
            "user_id": cls.user_psy_a.id, "network_ids": [Command.set(cls.network_a.ids)],
        })
        cls.pro_sw_a = Professional.create({
            "name": "Nadia Klein", "profession": "social_worker", "adeli": "670412345",
            "network_ids": [Command.set(cls.network_a.ids)],
        })
        cls.pro_psychiatrist_a2 = Professional.create({
            "name": "Dr Hugo Meyer", "profession": "psychiatrist",
            "network_ids": [Command.set(cls.network_a.ids)],
        })
        cls.pro_coord_b1 = Professional.create({
            "name": "Dr Louis Fabre", "profession": "gp", "rpps": "10000000017",
            "user_id": cls.user_coord_b1.id, "network_ids": [Command.set(cls.network_b.ids)],
        })

        Membership = cls.env["microstructure.membership"]
        cls.membership_gp_a1 = Membership.create({
            "professional_id": cls.pro_gp_a1.id, "site_id": cls.site_a1.id,
            "date_start": "2021-01-04",
        })
        Membership.create([
            {"professional_id": cls.pro_psy_a.id, "site_id": cls.site_a1.id, "date_start": "2021-01-04"},
            {"professional_id": cls.pro_psy_a.id, "site_id": cls.site_a2.id, "date_start": "2022-03-01"},
            {"professional_id": cls.pro_sw_a.id, "site_id": cls.site_a1.id, "date_start": "2021-01-04"},
            {"professional_id": cls.pro_sw_a.id, "site_id": cls.site_a2.id, "date_start": "2022-03-01"},
            {"professional_id": cls.pro_psychiatrist_a2.id, "site_id": cls.site_a2.id, "date_start": "2022-03-01"},
            {"professional_id": cls.pro_coord_b1.id, "site_id": cls.site_b1.id,
             "date_start": "2021-09-01", "role": "coordinator"},
        ])

    @classmethod
    def _create_office(cls, name, email, site=None, users=None):
        """A Carsat social service office for the department of ``site`` (A1
        by default), handled by the social workers ``users`` (none by default)."""
        vals = {
            "name": name, "email": email,
            "department_ids": [Command.set((site or cls.site_a1).department_id.ids)],
        }
        if users:
            vals["user_ids"] = [Command.set(users.ids)]
        return cls.env["microstructure.social.service"].create(vals)

    @classmethod
    def _grant_coordinator(cls, user):
        """``user`` gets the coordinator's group (meetings of its sites)."""
        user.groups_id = [Command.link(cls.env.ref(GROUP + "coordinator").id)]

    @contextmanager
    def assertRaisesText(self, exception, pattern):
        """``assertRaises`` (which rolls back what the block wrote) with a
        check of the message shown to the user."""
        with self.assertRaises(exception) as context:
            yield context
        self.assertRegex(str(context.exception), pattern)


def _drop_database(name):
    sql_db.close_db(name)
    with closing(sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("DROP DATABASE IF EXISTS %s WITH (FORCE)", SQL.identifier(name)))
    shutil.rmtree(config.filestore(name), ignore_errors=True)


@contextmanager
def database_copy(env):
    """The registry of a copy of the test database, dropped afterwards: for
    the tests that need transactions of their own, which commit there and
    never in the test database. The copy holds what the test database held
    before the test (not the records of the test's own transaction)."""
    source = env.cr.dbname
    name = f"{source}_copy_{os.getpid()}"
    _drop_database(name)
    with closing(sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        # the test database is in use: it cannot be a template, it is dumped
        cr.execute(SQL("CREATE DATABASE %s ENCODING 'unicode' TEMPLATE template0", SQL.identifier(name)))
    try:
        pg_env = exec_pg_environ()
        dump = subprocess.Popen(
            [find_pg_tool("pg_dump"), "--no-owner", source], env=pg_env, stdout=subprocess.PIPE,
        )
        restore = subprocess.run(
            [find_pg_tool("psql"), "--quiet", "--set=ON_ERROR_STOP=1", "--dbname", name],
            env=pg_env, stdin=dump.stdout, capture_output=True, check=False,
        )
        dump.stdout.close()
        if dump.wait() or restore.returncode:
            raise RuntimeError(f"copy of {source} failed: {restore.stderr.decode()[-2000:]}")
        if os.path.isdir(config.filestore(source)):
            shutil.copytree(config.filestore(source), config.filestore(name))
        # loading a registry with the tests enabled would run the tests of
        # every module again
        test_enable, config["test_enable"] = config["test_enable"], False
        try:
            registry = Registry.new(name)
        finally:
            config["test_enable"] = test_enable
        yield registry
    finally:
        Registry.delete(name)
        _drop_database(name)
