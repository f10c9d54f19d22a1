"""Every demo role walks its menus in French, in a real browser.

Each menu entry of the role is opened; when it shows a list or a kanban, its
first record is opened too. The visible text of each screen must hold none of
the English words below (whole words, case as written).
"""

import json

from odoo.tests import HttpCase, tagged

ENGLISH_WORDS = [
    "Sent", "Identified", "Contacted", "Assessed", "Accompanied", "Closed", "Liaison sheet",
    "Decision", "meeting", "Meeting", "created", "YourCompany", "Permanence at", "New",
    "Save", "Discard", "Step", "Patient file", "Synthesis",
]

WALK = r"""
(async () => {
    const WORDS = %(words)s;
    const SKIPPED = %(skipped)s;
    const env = odoo.__WOWL_DEBUG__.root.env;
    const { rpcBus } = odoo.loader.modules.get("@web/core/network/rpc");
    let pending = 0;
    rpcBus.addEventListener("RPC:REQUEST", () => pending++);
    rpcBus.addEventListener("RPC:RESPONSE", () => pending--);
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    async function settle(selector) {
        // the screen is there and no call to the server is left for a while
        let quiet = 0;
        for (let waited = 0; waited < 15000; waited += 50) {
            await sleep(50);
            const shown = !selector || document.querySelector(selector);
            quiet = shown && pending <= 0 && !document.querySelector(".o_loading_indicator") ? quiet + 50 : 0;
            if (quiet >= 400) {
                return true;
            }
        }
        return false;
    }
    const patterns = WORDS.map((word) => [
        word, new RegExp("(?<![\\p{L}\\p{N}_])" + word + "(?![\\p{L}\\p{N}_])", "u"),
    ]);
    const findings = [];
    function check(screen) {
        const text = document.body.innerText;
        for (const [word, pattern] of patterns) {
            const match = pattern.exec(text);
            if (match) {
                const around = text.slice(Math.max(0, match.index - 40), match.index + word.length + 40);
                findings.push(`${screen}: "${word}" in "${around.replace(/\s+/g, " ").trim()}"`);
            }
        }
    }
    const menus = env.services.menu.getAll();
    const byId = Object.fromEntries(menus.map((menu) => [menu.id, menu]));
    const parentOf = {};
    for (const menu of menus) {
        for (const child of menu.children || []) {
            parentOf[child] = menu.id;
        }
    }
    function path(menu) {
        const names = [];
        for (let id = menu.id; id && byId[id] && id !== "root"; id = parentOf[id]) {
            names.unshift(byId[id].name);
        }
        return names.join(" > ");
    }
    const entries = menus.filter((menu) => menu.actionID && menu.id !== "root" && !SKIPPED.includes(menu.xmlid));
    for (const menu of entries) {
        const screen = path(menu);
        console.log(`French walk: ${screen}`);
        await env.services.menu.selectMenu(menu);
        await settle(".o_action_manager > .o_action, .o_action_manager > div");
        check(screen);
        // the first record of a list or kanban that shows records (not the
        // sample data of an empty view)
        const first = document.querySelector(
            ".o_list_view .o_content:not(.o_view_sample_data) .o_data_row .o_data_cell:not(.o_list_record_selector)," +
            " .o_kanban_view .o_content:not(.o_view_sample_data)" +
            " .o_kanban_record:not(.o_kanban_ghost):not(.o_kanban_quick_create)"
        );
        if (first) {
            first.click();
            // a form, or the row in edition of an editable list
            await settle(".o_form_view, .o_data_row.o_selected_row");
            if (document.querySelector(".o_form_view")) {
                check(`${screen} > first record`);
            }
        }
        // leave nothing in edition behind
        for (const button of document.querySelectorAll(".o_form_button_cancel, .o_list_button_discard")) {
            button.click();
            await settle();
        }
    }
    if (!entries.length) {
        console.error("French walk: no menu entry");
    } else if (findings.length) {
        console.error("English words on the screens:\n" + findings.join("\n"));
    } else {
        console.log("test successful");
    }
})();
"""

# opening them leaves the web client (a new tab or another application)
SKIPPED_MENUS = ["base.menu_theme_store", "base.menu_third_party"]


@tagged("post_install", "-at_install")
class TestMenusSpeakFrench(HttpCase):
    """Needs the demo data: one test per demo role."""

    def _walk(self, login):
        code = WALK % {"words": json.dumps(ENGLISH_WORDS), "skipped": json.dumps(SKIPPED_MENUS)}
        self.browser_js("/odoo", code, "odoo.isReady", login=login, timeout=900)

    def test_menus_speak_french_practitioner(self):
        self._walk("medecin")

    def test_menus_speak_french_coordinator(self):
        self._walk("coordinateur")

    def test_menus_speak_french_carsat(self):
        self._walk("carsat")

    def test_menus_speak_french_network_admin(self):
        self._walk("reseau")

    def test_menus_speak_french_regional_manager(self):
        self._walk("ars")

    def test_menus_speak_french_dpo(self):
        self._walk("dpo")
