# Helpers for .ci/run and the scripts in .ci/install.d/ (sourced, not run).
# Each install script brings what one area's tests need; `apt_install` is
# idempotent, quiet on success and prints apt's log on failure.

SUDO=()
if [[ $(id -u) != 0 ]]; then
    SUDO=(sudo -n)
fi

banner() { printf '\n==> %s\n' "$*"; }

_apt_updated=0
# apt_install PKG...: install the Debian packages not yet installed.
apt_install() {
    local missing=() p log
    for p in "$@"; do
        if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) != "install ok installed" ]]; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        echo "already installed: $*"
        return 0
    fi
    echo "installing: ${missing[*]}"
    log=$(mktemp)
    if ((_apt_updated == 0)); then
        if ! "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update >"$log" 2>&1; then
            cat "$log"
            echo "apt-get update failed" >&2
            return 1
        fi
        _apt_updated=1
    fi
    if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
        cat "$log"
        echo "apt-get install failed" >&2
        return 1
    fi
    tail -n 2 "$log"
    rm -f "$log"
}
