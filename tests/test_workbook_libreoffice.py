"""The Excel export opens in LibreOffice: every sheet and chart survives."""

import base64
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from .common import odoo_env

ODS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
}


def test_workbook_opens_in_libreoffice():
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is missing: run scripts/setup.sh"
    with odoo_env() as env:
        admin = env.ref("base.user_admin")
        wizard = env["microstructure.indicator.export"].with_user(admin).with_context(lang="fr_FR").create({
            "year": "2022",
        })
        wizard.action_export()
        content = base64.b64decode(wizard.file)
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "indicateurs.xlsx"
        source.write_bytes(content)
        result = subprocess.run(
            [soffice, f"-env:UserInstallation=file://{work}/profile", "--headless",
             "--convert-to", "ods", "--outdir", work, str(source)],
            capture_output=True, text=True, timeout=300, check=False,
        )
        converted = Path(work) / "indicateurs.ods"
        assert result.returncode == 0 and converted.exists(), result.stdout + result.stderr
        with zipfile.ZipFile(converted) as ods:
            root = etree.fromstring(ods.read("content.xml"))
        sheets = root.findall(".//table:table", ODS)
        names = [sheet.get(f"{{{ODS['table']}}}name") for sheet in sheets]
        assert len(names) == 13, names
        assert "Microstructures par région" in names and "Satisfaction des patients" in names
        assert "Résultats des échelles validées" in names
        for sheet in sheets:
            charts = sheet.findall(".//draw:object", ODS)
            assert len(charts) == 1, sheet.get(f"{{{ODS['table']}}}name")
        text = etree.tostring(root, encoding="unicode")
        assert "Grand Est" in text and "&lt; 11" in text
