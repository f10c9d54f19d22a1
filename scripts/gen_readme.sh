#!/usr/bin/env bash
# Generates odoo_microstructure/README.rst and static/description/index.html
# from the fragments in odoo_microstructure/readme/ (Markdown) and the
# manifest, with OCA's oca-gen-addon-readme and this project's template
# (scripts/gen_readme.rst.jinja: no GitHub links, the project has no public
# repository).
#
# oca-gen-addon-readme is in OCA's maintainer-tools, which is not on PyPI.
# Keep a checkout of it beside the project, in a virtualenv of its own (it
# pins other versions than Odoo), e.g.:
#
#   git clone https://github.com/OCA/maintainer-tools /opt/maintainer-tools
#   python3 -m venv /opt/venv-mt
#   /opt/venv-mt/bin/pip install /opt/maintainer-tools pypandoc_binary
#
# pypandoc_binary brings the pandoc that converts the Markdown fragments
# (without a pandoc on the PATH, pypandoc would try to download one); the
# files committed were made with its pandoc 3.9.  Then:
#
#   scripts/gen_readme.sh /opt/venv-mt          # or MAINTAINER_TOOLS_VENV=/opt/venv-mt
#
# Commit the fragments and the two generated files, never the tool.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${MAINTAINER_TOOLS_VENV:-}}
[ -n "$venv" ] || { echo "usage: $0 /path/to/maintainer-tools-virtualenv (or MAINTAINER_TOOLS_VENV)" >&2; exit 2; }
tool="$venv/bin/oca-gen-addon-readme"
[ -x "$tool" ] || { echo "gen_readme: $tool not found: install OCA's maintainer-tools in $venv (see $0)" >&2; exit 2; }

cd "$here"
# --org-name and --repo-name are required by the tool; the template uses neither.
"$tool" --org-name odoo_microstructure --repo-name odoo_microstructure --branch 18.0 \
  --addon-dir odoo_microstructure --template-filename scripts/gen_readme.rst.jinja
git status --short odoo_microstructure/README.rst odoo_microstructure/static/description/index.html
