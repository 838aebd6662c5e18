# Shared by bin/run and bin/test (sourced, not run): the project's virtualenv in .venv,
# with the project installed in editable mode. Reinstalls only when pyproject.toml has
# changed since the last install, or when more extras are asked for than were installed.
#
#   source bin/_venv.sh
#   ensure_venv postgres,test     # then python, flask, pytest, ruff are the venv's

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.portal-installed"

ensure_venv() {
    local extras="$1"
    local python="${PYTHON:-python3}"

    if [[ ! -x "$VENV/bin/python" ]]; then
        if ! command -v "$python" >/dev/null; then
            echo "error: $python not found; install Python 3.11 or newer" >&2
            return 1
        fi
        if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            echo "error: the portal needs Python 3.11 or newer; $python is" \
                "$("$python" --version 2>&1)" >&2
            return 1
        fi
        echo "Creating the virtualenv in .venv"
        if ! "$python" -m venv "$VENV"; then
            echo "error: '$python -m venv' failed (on Debian: apt-get install python3-venv)" >&2
            return 1
        fi
    fi

    local hash installed_hash="" installed_extras=""
    hash="$("$VENV/bin/python" -c \
        'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
        "$ROOT/pyproject.toml")"
    if [[ -f "$STAMP" ]]; then
        read -r installed_hash installed_extras <"$STAMP" || true
    fi

    local wanted="$extras"
    if [[ "$hash" == "$installed_hash" ]]; then
        local extra missing=""
        for extra in ${extras//,/ }; do
            [[ ",$installed_extras," == *",$extra,"* ]] || missing=1
        done
        if [[ -z "$missing" ]]; then
            export VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH"
            return 0
        fi
        # Keep what is installed and add what is asked for.
        wanted="$(_union "$installed_extras" "$extras")"
    fi

    echo "Installing the portal and its dependencies into .venv ([$extras])"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet \
        --editable "$ROOT[$wanted]"
    echo "$hash $wanted" >"$STAMP.tmp"
    mv "$STAMP.tmp" "$STAMP"
    export VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH"
}

# Under CI (CI=true), the suite runs on PostgreSQL too: default TEST_DATABASE_URL to the
# server CI provides. Elsewhere say plainly that the PostgreSQL part is skipped.
default_test_database() {
    if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
        return 0
    fi
    case "${CI:-}" in
    [Tt][Rr][Uu][Ee] | 1 | [Yy][Ee][Ss])
        export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/test"
        ;;
    *)
        echo "PostgreSQL tests are skipped: set" \
            "TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test (or run .ci/run)."
        ;;
    esac
}

_union() {
    local extra seen=","
    for extra in ${1//,/ } ${2//,/ }; do
        [[ "$seen" == *",$extra,"* ]] || seen="$seen$extra,"
    done
    seen="${seen#,}"
    echo "${seen%,}"
}
