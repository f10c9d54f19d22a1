"""The Docker files describe a valid stack."""

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
