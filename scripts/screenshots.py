#!/usr/bin/env python3
"""Takes the README's screenshots of the main screens from a running demo database.

Start Odoo on the French demo database (``scripts/demo.sh``), then:

    python3 scripts/screenshots.py [--url http://localhost:8069] [--db microstructure_demo]

Headless Chromium logs in as each demo role, opens its screen, waits until
the web client has nothing left to load, and writes a PNG (1280 x 800,
reduced to 256 colours) into ``odoo_microstructure/static/description/``.
Needs Chromium, websocket-client and Pillow (installed by scripts/setup.sh).
"""

import argparse
import base64
import io
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket
from PIL import Image

OUT = Path(__file__).resolve().parent.parent / "odoo_microstructure" / "static" / "description"
WIDTH, HEIGHT = 1280, 800

# (file, login, path of the screen, what to do once it is shown, selector to wait for)
SHOTS = [
    ("patients_kanban.png", "medecin", "/odoo/microstructure-patients", "", ".o_kanban_record"),
    ("patient_form.png", "medecin", "/odoo/microstructure-patients", "kanban_first", ".o_form_view"),
    ("liaison_board.png", "carsat", "/odoo/microstructure-liaisons", "", ".o_kanban_record"),
    ("week_calendar.png", "psychologue", "/odoo/calendar", "calendar_week", ".o_calendar_view .fc-event"),
    ("sites_kanban.png", "reseau", "/odoo/microstructure-sites", "", ".o_kanban_record"),
    ("consultation_calendar.png", "psychologue", "/odoo/microstructure-consultations", "",
     ".o_calendar_view .fc-event"),
    ("indicators.png", "ars", "/odoo/microstructure-indicators", "", "canvas"),
]

# Resolves once the selector is shown and no call to the server has been
# pending for half a second.
SETTLE = """
(async (selector) => {
    const { rpcBus } = odoo.loader.modules.get("@web/core/network/rpc");
    if (!window.__pendingRpc) {
        window.__pendingRpc = { count: 0 };
        rpcBus.addEventListener("RPC:REQUEST", () => window.__pendingRpc.count++);
        rpcBus.addEventListener("RPC:RESPONSE", () => window.__pendingRpc.count--);
    }
    let quiet = 0;
    for (let waited = 0; waited < 20000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const ready = document.querySelector(selector) && window.__pendingRpc.count <= 0;
        quiet = ready ? quiet + 50 : 0;
        if (quiet >= 500) {
            return true;
        }
    }
    return false;
})(%s)
"""

ACTIONS = {
    "kanban_first": "document.querySelector('.o_kanban_record:not(.o_kanban_ghost)').click()",
    "calendar_week": """(() => {
        const env = odoo.__WOWL_DEBUG__.root.env;
        const button = [...document.querySelectorAll('.o_calendar_container .dropdown-toggle, .o_view_scale_selector button')]
            .find((b) => b.offsetParent);
        if (button) { button.click(); }
        return new Promise((resolve) => setTimeout(() => {
            const week = document.querySelector('.o_scale_button_week');
            if (week) { week.click(); }
            resolve(true);
        }, 300));
    })()""",
}


class Chrome:
    """Just enough of the DevTools protocol: evaluate, navigate, screenshot."""

    def __init__(self):
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not binary:
            raise SystemExit("screenshots: Chromium is missing (scripts/setup.sh installs it)")
        self.profile = tempfile.mkdtemp(prefix="ms_screens_")
        self.process = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             f"--window-size={WIDTH},{HEIGHT}", "--lang=fr-FR", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _attempt in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
            page = next(target for target in json.load(response) if target["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.serial = 0
        self.call("Emulation.setDeviceMetricsOverride",
                  width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)
        # the web client shows times in the browser's time zone: the demo users'
        self.call("Emulation.setTimezoneOverride", timezoneId="Europe/Paris")

    def call(self, method, **params):
        self.serial += 1
        self.socket.send(json.dumps({"id": self.serial, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.serial:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def navigate(self, url, webclient=True):
        self.call("Page.navigate", url=url)
        ready = "document.readyState === 'complete'"
        if webclient:
            ready += " && !!(window.odoo && odoo.isReady)"
        for _attempt in range(300):
            time.sleep(0.1)
            if self.evaluate(ready):
                return
        raise RuntimeError(f"{url} did not load")

    def screenshot(self):
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def login(chrome, url, db, user):
    chrome.navigate(f"{url}/web/login?db={db}", webclient=False)
    chrome.evaluate(f"""fetch("/web/session/logout", {{method: "GET"}}).then(() =>
        fetch("/web/session/authenticate", {{
            method: "POST", headers: {{"Content-Type": "application/json"}},
            body: JSON.stringify({{jsonrpc: "2.0", method: "call",
                                   params: {{db: {json.dumps(db)}, login: {json.dumps(user)},
                                             password: {json.dumps(user)}}}}}),
        }})).then((response) => response.json()).then((data) => !data.error)""")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="microstructure_demo")
    parser.add_argument("--only", help="file name of one screenshot")
    args = parser.parse_args()
    chrome = Chrome()
    try:
        for name, user, path, action, selector in SHOTS:
            if args.only and args.only != name:
                continue
            login(chrome, args.url, args.db, user)
            chrome.navigate(f"{args.url}{path}")
            chrome.evaluate(SETTLE % json.dumps(".o_action_manager .o_view_controller"))
            if action:
                chrome.evaluate(ACTIONS[action])
            if not chrome.evaluate(SETTLE % json.dumps(selector)):
                raise SystemExit(f"screenshots: {name}: {selector} not shown")
            image = Image.open(io.BytesIO(chrome.screenshot())).convert("RGB")
            image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
            image.save(OUT / name, optimize=True)
            print(f"{OUT / name}: {(OUT / name).stat().st_size // 1024} KB")
    finally:
        chrome.close()


if __name__ == "__main__":
    main()
