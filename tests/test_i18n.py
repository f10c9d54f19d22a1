"""The French translation is complete and up to date with the code."""

import io
import re

import polib

from odoo.tools.translate import trans_export

from .common import ADDON, odoo_env

PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|%d|\{\w*\}")

# Terms spelt the same in French: the PO format leaves their msgstr empty.
SAME_IN_FRENCH = {
    "Addictions", "Addictions (Equip'addict)", "Avatar", "Avatar 1024", "Avatar 128",
    "Avatar 256", "Avatar 512", "Code", "Configuration", "Contact", "ID", "Identification",
    "Image", "Image 1024", "Image 128", "Image 256", "Image 512", "MSP", "Messages",
    "Microstructure", "Microstructures", "Mobile", "Note", "Notes", "Profession",
    "Programmes", "Self", "Cannabis", "Date", "Patient", "Patients", "<span>-</span>",
    "Agenda", "Consultation", "Consultations", "Permanence", "Permanences", "Absent",
    "<span>%</span>", "Qualification", "{{ object.site_name }} - {{ object.name }}",
    "Inclusion", "Inclusions", "Question", "Total", "Message", "Position", "Session", "SHA-256",
    "Questionnaire", "Score",
}

# The validated scales ship in their French versions: the texts of their
# questionnaires (survey data of the addon, ``survey_scale_*``) are French
# sources, left untranslated like the terms above.
FRENCH_SOURCE = re.compile(
    r"^model(_terms)?:survey\.(survey|question|question\.answer),\w+:odoo_microstructure\.survey_scale_"
)


def _french_source(entry):
    return any(FRENCH_SOURCE.match(occurrence) for occurrence, _line in entry.occurrences)


def _exported_msgids():
    with odoo_env() as env:
        buffer = io.BytesIO()
        trans_export(False, ["odoo_microstructure"], buffer, "po", env.cr)
    return {entry.msgid for entry in polib.pofile(buffer.getvalue().decode())}


def test_pot_is_up_to_date():
    pot = {entry.msgid for entry in polib.pofile(str(ADDON / "i18n" / "odoo_microstructure.pot"))}
    exported = _exported_msgids()
    assert not exported - pot, f"terms missing from the .pot: {sorted(exported - pot)}"
    assert not pot - exported, f"obsolete terms in the .pot: {sorted(pot - exported)}"


def test_fr_po_is_complete():
    pot = polib.pofile(str(ADDON / "i18n" / "odoo_microstructure.pot"))
    fr = {entry.msgid: entry for entry in polib.pofile(str(ADDON / "i18n" / "fr.po"))}
    missing = [
        entry.msgid
        for entry in pot
        if entry.msgid not in fr
        or not (fr[entry.msgid].msgstr or entry.msgid in SAME_IN_FRENCH or _french_source(entry))
    ]
    assert not missing, f"untranslated in fr.po: {missing}"
    fuzzy = [entry.msgid for entry in fr.values() if "fuzzy" in entry.flags]
    assert not fuzzy, f"fuzzy translations: {fuzzy}"
    for msgid, entry in fr.items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(entry.msgstr)), (
            f"placeholders differ in the translation of {msgid!r}"
        )


def test_french_interface_is_loaded():
    with odoo_env() as env:
        env = env(context={"lang": "fr_FR"})
        assert env["res.lang"]._lang_get("fr_FR"), "the suite's database speaks French"
        field = env["ir.model.fields"]._get("microstructure.site", "date_open")
        assert field.field_description == "Date d'ouverture"
        menu = env.ref("odoo_microstructure.microstructure_site_menu")
        assert menu.name == "Microstructures"
        group = env.ref("odoo_microstructure.group_microstructure_network_admin")
        assert group.name == "Administrateur de réseau"
