# Shared set-up for the run and test commands: virtualenv, Odoo 19.0, PostgreSQL.
# Sourced, not executed. What it creates lives under .venv/ and .cache/ in the checkout, except the private
# PostgreSQL cluster of a checkout run as root (see pg_cluster_dir).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="$ROOT/.cache"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
ODOO_SRC=${ODOO_SRC:-/opt/odoo}
ODOO_URL=${ODOO_URL:-https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz}
PG_STARTED=0
mkdir -p "$CACHE"

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 2; }

ensure_venv() {
    local stamp="$VENV/.requirements.sha"
    local want
    want=$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)
    if [ ! -x "$PY" ]; then
        say "Creating the virtual environment in .venv"
        python3 -m venv "$VENV"
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "Installing pinned Python dependencies (requirements.txt)"
        "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt"
        echo "$want" > "$stamp"
    fi
}

odoo_root() {
    "$PY" -c 'import odoo.release as r, os; print(os.path.dirname(os.path.dirname(r.__file__)))'
}

# Odoo 19.0: already importable, or a source tree at $ODOO_SRC, or the official source download.
ensure_odoo() {
    local pth
    pth=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/odoo-src.pth
    if "$PY" -c 'import odoo.release as r; assert r.version_info[:2] == (19, 0)' 2>/dev/null; then
        ODOO_BIN=$(odoo_root)/odoo-bin
    elif [ -f "$ODOO_SRC/odoo/release.py" ]; then
        echo "$ODOO_SRC" > "$pth"
        ODOO_BIN="$ODOO_SRC/odoo-bin"
    else
        local dest="$CACHE/odoo-src"
        if [ ! -f "$dest/odoo/release.py" ]; then
            say "No Odoo 19.0 at $ODOO_SRC; trying the official 19.0 source download"
            mkdir -p "$dest.tmp"
            if curl -fsSL --max-time 600 "$ODOO_URL" | tar -xz -C "$dest.tmp" --strip-components=1 2>/dev/null; then
                rm -rf "$dest" && mv "$dest.tmp" "$dest"
            else
                rm -rf "$dest.tmp"
                die "Odoo 19.0 not found. Put an Odoo 19.0 source tree at /opt/odoo or set ODOO_SRC to one \
(the folder holding odoo-bin), or make Odoo 19.0 importable in .venv."
            fi
        fi
        ODOO_SRC="$dest"
        echo "$ODOO_SRC" > "$pth"
        ODOO_BIN="$ODOO_SRC/odoo-bin"
    fi
    "$PY" -c 'import odoo.release as r; assert r.version_info[:2] == (19, 0), r.version' \
        || die "the Odoo found is not 19.0"
    [ -f "$ODOO_BIN" ] || ODOO_BIN="$VENV/bin/odoo"
    link_odoo_addons "$(odoo_root)/addons"
}

# Odoo's addons that this addon needs (its dependency closure and what auto-installs with it), linked into
# one folder: Odoo then scans only those, and a source tree missing unrelated modules stays quiet.
link_odoo_addons() {
    ODOO_ADDONS="$CACHE/odoo-addons"
    "$PY" - "$1" "$ODOO_ADDONS" "$ROOT/ncc_atlas_connector/__manifest__.py" <<'PYEOF'
import ast, os, sys
from pathlib import Path

src, dest, own = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
manifests = {}
for path in src.glob("*/__manifest__.py"):
    manifests[path.parent.name] = ast.literal_eval(path.read_text())
want = {"web", "base_setup", "web_tour", "base_import"}
todo = list(ast.literal_eval(own.read_text())["depends"]) + list(want)
while True:
    while todo:
        name = todo.pop()
        if name in manifests and name not in want | {"base"} or name in todo:
            want.add(name)
        want.add(name)
        todo.extend(d for d in manifests.get(name, {}).get("depends", []) if d not in want)
    auto = {
        name for name, m in manifests.items()
        if name not in want and m.get("auto_install") and m.get("installable", True)
        and (m["auto_install"] is True and set(m.get("depends", [])) <= want
             or m["auto_install"] is not True and set(m["auto_install"]) <= want
             and all(d in manifests or d == "base" for d in m.get("depends", [])))
    }
    if not auto:
        break
    todo.extend(auto)
dest.mkdir(parents=True, exist_ok=True)
for link in dest.iterdir():
    if link.is_symlink() and link.name not in want:
        link.unlink()
for name in sorted(want & manifests.keys()):
    link = dest / name
    if not link.is_symlink() or os.readlink(link) != str(src / name):
        if link.is_symlink():
            link.unlink()
        link.symlink_to(src / name)
PYEOF
}

# Headless Chromium for Odoo's browser tours (Debian package), with the websocket client from the venv.
ensure_chromium() {
    command -v chromium >/dev/null 2>&1 && return
    [ "$(id -u)" = 0 ] || die "Chromium is needed for the browser tests: install the Debian package 'chromium'"
    say "Installing Chromium (Debian package) for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
        || die "could not install the Debian package 'chromium'"
}

pg_bindir() {
    local d
    for d in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return; }
    done
    return 1
}

# Commands of the cluster's owner, run from / (its working folder may be one the owner cannot enter).
as_pg_user() {
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$PG_OWNER" -- "$@"); else "$@"; fi
}

# Where the private cluster lives. Run as root, PostgreSQL runs as the unprivileged $PG_OWNER, which cannot
# enter a checkout in a private folder (a `mktemp -d` folder, /root): its cluster lives in a folder of its own
# under /var/lib/ncc-postgres, named after the checkout's folder and a hash of its path, so that two checkouts
# never share one. Otherwise the user owns the checkout, and the cluster lives in .cache/pg.
pg_cluster_dir() {
    if [ "$(id -u)" = 0 ]; then
        local name hash
        name=$(basename "$ROOT" | tr -d '\n' | tr -c 'A-Za-z0-9_.-' '_' | cut -c1-24)
        hash=$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
        echo "$PG_CLUSTERS/$name-$hash"
    else
        echo "$CACHE/pg"
    fi
}
PG_CLUSTERS=/var/lib/ncc-postgres

# Clusters of checkouts that are gone (each cluster folder names its checkout in `checkout`), and not running.
prune_pg_clusters() {
    local dir checkout
    for dir in "$PG_CLUSTERS"/*/; do
        [ -f "$dir/checkout" ] || continue
        checkout=$(cat "$dir/checkout")
        [ -e "$checkout/scripts/lib.sh" ] || [ -f "$dir/data/postmaster.pid" ] || rm -rf "$dir"
    done
}

# PostgreSQL: the server the PG* variables name when it answers, else the checkout's private cluster, which
# listens on no TCP port, only on a socket in its own folder that only its owner (and root) can enter.
ensure_pg() {
    if [ -n "${PGHOST:-}${PGPORT:-}" ] && pg_isready -q 2>/dev/null; then
        DB_HOST=${PGHOST:-localhost}; DB_PORT=${PGPORT:-5432}; DB_USER=${PGUSER:-$(id -un)}
        DB_PASSWORD=${PGPASSWORD:-False}
        return
    fi
    local bindir
    if ! bindir=$(pg_bindir); then
        say "Installing PostgreSQL 15 (Debian package)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
        bindir=$(pg_bindir) || die "PostgreSQL binaries not found"
    fi
    PG_OWNER=$(id -un)
    PG_DIR=$(pg_cluster_dir)
    if [ "$(id -u)" = 0 ]; then
        # initdb refuses to run as root: the cluster belongs to an unprivileged user.
        PG_OWNER=ncc-postgres
        id "$PG_OWNER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OWNER"
        install -d -m 0700 -o "$PG_OWNER" "$PG_CLUSTERS"
        prune_pg_clusters
        install -d -m 0700 -o "$PG_OWNER" "$PG_DIR" "$PG_DIR/run"
        printf '%s\n' "$ROOT" > "$PG_DIR/checkout"
        # A cluster an earlier version of these commands kept in .cache/pg moves to its new place.
        if [ ! -e "$PG_DIR/data" ] && [ -f "$CACHE/pg/data/PG_VERSION" ] && [ ! -f "$CACHE/pg/data/postmaster.pid" ]; then
            mv "$CACHE/pg/data" "$PG_DIR/data"
        fi
    else
        mkdir -p "$PG_DIR/run" && chmod 0700 "$PG_DIR" "$PG_DIR/run"
    fi
    PGDATA_DIR="$PG_DIR/data"
    PGSOCK_DIR="$PG_DIR/run"
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        as_pg_user "$bindir/initdb" -D "$PGDATA_DIR" -U odoo --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg_user "$bindir/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
        as_pg_user "$bindir/pg_ctl" -D "$PGDATA_DIR" -w -s -l "$PG_DIR/server.log" \
            -o "-k '$PGSOCK_DIR' -c listen_addresses='' -c unix_socket_permissions=0700 -c fsync=off -c max_connections=100" start \
            || die "PostgreSQL did not start; see $PG_DIR/server.log"
        PG_STARTED=1
    fi
    PG_BINDIR=$bindir
    DB_HOST=$PGSOCK_DIR; DB_PORT=5432; DB_USER=odoo; DB_PASSWORD=False
}

# Stops the cluster this command started, unless another command of the checkout still uses it (e.g. the run
# command started while the tests ran).
stop_pg() {
    if [ "$PG_STARTED" = 1 ]; then
        local others
        others=$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'
                         AND pid <> pg_backend_pid()" 2>/dev/null || echo 0)
        [ "$others" = 0 ] || { say "PostgreSQL stays up: $others other connections use it"; return 0; }
        as_pg_user "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w -s stop || true
    fi
}

# psql against the chosen server, on the maintenance database.
pg_sql() {
    PGOPTIONS='-c client_min_messages=warning' PGHOST=$DB_HOST PGPORT=$DB_PORT PGUSER=$DB_USER psql -v ON_ERROR_STOP=1 -qAt -d postgres -c "$1"
}

write_odoo_conf() {
    local conf=$1 logfile=${2:-}
    cat > "$conf" <<CONF
[options]
addons_path = $ODOO_ADDONS,$ROOT
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
http_interface = 127.0.0.1
data_dir = $CACHE/filestore
admin_passwd = admin
list_db = True
CONF
    [ "$DB_PASSWORD" != False ] && echo "db_password = $DB_PASSWORD" >> "$conf"
    [ -n "$logfile" ] && echo "logfile = $logfile" >> "$conf"
    true
}
