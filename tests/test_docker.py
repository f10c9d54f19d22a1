"""The Docker files describe a valid stack."""

import configparser
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
    assert set(services) == {"db", "db-replica", "odoo", "nginx", "backup"}
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
