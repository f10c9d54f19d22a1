#!/usr/bin/env bash
# Installs, idempotently, what the addon's demo and test suite need on Debian:
# PostgreSQL (started, with a role for the current user), Chromium,
# wkhtmltopdf, the build headers of Odoo's Python requirements and the Python
# test packages (the replica test makes its clusters with postgresql-common).  With ODOO_SRC pointing to an Odoo 18 checkout, it also
# installs Odoo's requirements and makes `import odoo` work.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
PYTHON=${PYTHON:-python3}

debian_packages=(
  postgresql postgresql-client
  chromium wkhtmltopdf fonts-dejavu-core
  libpq-dev libldap2-dev libsasl2-dev libxml2-dev libxslt1-dev libjpeg-dev zlib1g-dev
  docker-compose poppler-utils libreoffice-calc-nogui
)

missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# PostgreSQL: start the cluster when it is down, give the current user a role.
if ! pg_isready -q 2>/dev/null; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$version" ]; then
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q 2>/dev/null && break; sleep 1; done
fi
pg_isready -q || { echo "setup: PostgreSQL does not answer" >&2; exit 1; }
me=$(id -un)
if ! psql -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
  $SUDO -u postgres psql -qc "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$me') THEN CREATE ROLE \"$me\" LOGIN SUPERUSER; END IF; END\$\$;" 2>/dev/null \
    || su postgres -c "psql -qc \"CREATE ROLE \\\"$me\\\" LOGIN SUPERUSER\""
fi

# Odoo itself, when its source is given.
if [ -n "${ODOO_SRC:-}" ]; then
  reqs=$(mktemp)
  # cbor2 5.4.2 (pinned for Python < 3.12) does not build on recent toolchains.
  sed -e 's/^cbor2==5\.4\.2.*$/cbor2==5.6.2/' "$ODOO_SRC/requirements.txt" > "$reqs"
  $PYTHON -m pip install -q -r "$reqs"
  rm -f "$reqs"
  $PYTHON -m pip install -q --no-deps -e "$ODOO_SRC"
fi

$PYTHON -m pip install -q -r "$here/requirements-test.txt"

# Odoo's websocket process (prefork mode) patches with gevent, whose plugins
# are loaded through pkg_resources: with the setuptools of Python 3.11 it does
# not find zope.interface >= 7 and zope.event >= 5.1 (new dist-info names).
if ! $PYTHON -c "import gevent.monkey; gevent.monkey.patch_all()" >/dev/null 2>&1; then
  $PYTHON -m pip install -q "zope.interface>=5,<7" "zope.event>=4.5,<5.1"
fi

if $PYTHON -c "import odoo.release as r; assert r.version_info[0] == 18" 2>/dev/null; then
  echo "setup: done (Odoo $($PYTHON -c 'import odoo.release as r; print(r.version)'))"
else
  echo "setup: done, but python3 cannot import Odoo 18: run again with ODOO_SRC=/path/to/odoo-18.0" >&2
fi
