"""The Docker files describe a valid stack."""

import argparse
import configparser
import getpass
import importlib.util
import os

import yaml

from .common import ROOT, run

COMPOSE = ROOT / "docker" / "docker-compose.yml"


def test_compose_file_validates():
    result = run("docker-compose", "-f", str(COMPOSE), "config")
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert set(config["services"]) == {"db", "odoo", "test"}
    assert config["services"]["odoo"]["ports"][0]["published"] in (8069, "8069") or (
        "8069:8069" in str(config["services"]["odoo"]["ports"])
    )
    assert config["services"]["test"]["build"]["target"] == "test"
    assert config["services"]["db"]["image"].startswith("postgres:")


def test_image_is_built_on_official_odoo_18():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "FROM odoo:18.0 AS odoo" in dockerfile
    assert "COPY odoo_microstructure /mnt/extra-addons/odoo_microstructure" in dockerfile
    start = (ROOT / "docker" / "start-demo.sh").read_text()
    assert "--load-language=fr_FR" in start and "-i odoo_microstructure" in start


PRODUCTION = ROOT / "docker" / "docker-compose.production.yml"
SECRETS = {"POSTGRES_PASSWORD": "p" * 24, "REPLICATION_PASSWORD": "r" * 24, "ODOO_ADMIN_PASSWD": "a" * 24}


def test_production_compose_file_validates():
    """nginx in front of Odoo in prefork mode, a primary and its streaming
    replica, health checks everywhere, secrets required."""
    refused = run("docker-compose", "-f", str(PRODUCTION), "config",
                  env={"PATH": os.environ["PATH"]})
    assert refused.returncode != 0 and "POSTGRES_PASSWORD" in refused.stderr
    result = run("docker-compose", "-f", str(PRODUCTION), "config", env={"PATH": os.environ["PATH"], **SECRETS})
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == {"db", "db-replica", "replica-guard", "odoo", "nginx", "backup"}
    guard = services["replica-guard"]
    assert guard["entrypoint"] == ["python3", "/usr/local/bin/microstructure-replica-guard.py"]
    assert "--replica-hba=/replica-data/pg_hba.conf" in guard["command"]
    assert "--standby=db-replica" in guard["command"]  # the application_name of pg_basebackup -R
    assert "application_name=db-replica" in (ROOT / "docker" / "postgres-replica-entrypoint.sh").read_text()
    assert "db-replica-data:/replica-data:rw" in guard["volumes"]  # docker-compose v1's short form
    for name in ("db", "db-replica", "odoo", "nginx"):
        assert services[name]["healthcheck"]["test"], name
    assert "ports" not in services["odoo"], "only nginx is published"
    assert services["nginx"]["ports"][0]["target"] in (80, "80")
    assert services["odoo"]["command"] == ["start-production.sh"]
    assert "./odoo.conf" in str(services["odoo"]["volumes"]) or "odoo.conf" in str(services["odoo"]["volumes"])
    assert services["backup"]["profiles"] == ["backup"]


def test_production_configuration():
    conf = configparser.ConfigParser()
    conf.read(ROOT / "docker" / "odoo.conf")
    options = conf["options"]
    assert int(options["workers"]) == 5  # 2 x 2 cores + 1, recomputed by start-production.sh
    assert options["proxy_mode"] == "True" and options["list_db"] == "False"
    assert options["db_replica_host"] == "db-replica"
    assert int(options["db_maxconn"]) * (int(options["workers"]) + 2) * 2 < 300  # max_connections
    assert options["admin_passwd"] not in ("admin", "")
    assert int(options["limit_memory_hard"]) > int(options["limit_memory_soft"]) > 0
    start = (ROOT / "docker" / "start-production.sh").read_text()
    assert "2 * cores + 1" in start and 'exec odoo -c "$conf"' in start
    nginx = (ROOT / "docker" / "nginx.conf").read_text()
    assert "location /websocket" in nginx and "proxy_pass http://odoochat;" in nginx
    assert "server odoo:8072;" in nginx and "server odoo:8069;" in nginx
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "COPY docker/start-production.sh" in dockerfile and "COPY scripts/backup.sh" in dockerfile
    assert "COPY scripts/replica_guard.py /usr/local/bin/microstructure-replica-guard.py" in dockerfile


def test_replica_guard_fence_from_another_container(tmp_path):
    """In the compose stack the guard runs in a container of its own: the
    fence it writes in the replica's pg_hba.conf keeps the postgres database
    open to it (with a password) and refuses every other database from any
    address, then gives the original file back."""
    spec = importlib.util.spec_from_file_location("replica_guard", ROOT / "scripts" / "replica_guard.py")
    replica_guard = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(replica_guard)
    hba = tmp_path / "pg_hba.conf"
    original = "host all all all scram-sha-256\nhost replication replicator all scram-sha-256\n"
    hba.write_text(original)
    args = argparse.Namespace(
        replica_hba=str(hba), fence_open_to="all", host="127.0.0.1", primary_host="127.0.0.1",
        replica_host="127.0.0.1", primary_port=1, replica_port=1, user="odoo",
    )
    guard = replica_guard.Guard(args)
    assert not guard.fenced
    guard.fence(True)  # the replica does not answer: the file is written all the same
    fenced = hba.read_text()
    rules = [line.split() for line in fenced.splitlines() if line and not line.startswith("#")]
    assert rules.index(["host", "postgres", "all", "all", "scram-sha-256"]) \
        < rules.index(["host", "all", "all", "all", "reject"]) \
        < rules.index(["host", "all", "all", "all", "scram-sha-256"])
    assert replica_guard.Guard(args).fenced  # a restarted guard knows the replica is fenced
    guard.fence(False)
    assert hba.read_text() == original


def test_production_start_points_pdf_reports_to_the_proxy(tmp_path):
    """start-production.sh sets report.url and report.print_delay at every
    start (insert, then update), run here on a scratch database."""
    start = (ROOT / "docker" / "start-production.sh").read_text()
    snippet = start[start.index('PGPASSWORD="${PASSWORD:-odoo}" psql -q'):start.index("\nSQL\n") + 5]
    compose = (ROOT / "docker" / "docker-compose.production.yml").read_text()
    assert "REPORT_URL: http://nginx" in compose
    db = "ms_test_report_url"
    run("dropdb", "--if-exists", db)
    assert run("createdb", db).returncode == 0
    try:
        run("psql", "-q", "-d", db, "-c",
            "CREATE TABLE ir_config_parameter (id serial, key varchar UNIQUE NOT NULL, value text NOT NULL, "
            "create_uid int, write_uid int, create_date timestamp, write_date timestamp)")
        env = dict(os.environ, HOST=os.environ.get("PGHOST", "/var/run/postgresql"),
                   PORT=os.environ.get("PGPORT", "5432"), USER=os.environ.get("PGUSER") or getpass.getuser(), DB=db)
        env.pop("REPORT_URL", None)
        env.pop("REPORT_PRINT_DELAY", None)
        for url, delay in ((None, None), ("http://proxy.example", "0")):
            if url:
                env["REPORT_URL"], env["REPORT_PRINT_DELAY"] = url, delay
            result = run("bash", "-euo", "pipefail", "-c", snippet, env=env)
            assert result.returncode == 0, result.stderr
            values = dict(line.split("|") for line in run(
                "psql", "-tA", "-d", db, "-c",
                "SELECT key, value FROM ir_config_parameter WHERE key LIKE 'report.%'",
            ).stdout.split())
            assert values == {"report.url": url or "http://nginx", "report.print_delay": delay or "100"}
    finally:
        run("dropdb", "--if-exists", db)
