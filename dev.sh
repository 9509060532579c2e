#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The two quick-start commands (see README.md), for a fresh Debian 12 machine, as root:
#   ./dev.sh run    install what is missing, build, and show this machine as irqbald
#                   sees it (irqbald --oneshot --dry-run; writes nothing)
#   ./dev.sh test   install what is missing, build, and run the whole test suite: unit and
#                   integration tests, again under ASan+UBSan, then make distcheck
set -euo pipefail
cd "$(dirname "$0")"
top=$PWD

# Build and test dependencies, all from Debian 12's archive.
packages=(build-essential autoconf automake libtool pkg-config
          libsystemd-dev libhwloc-dev libglib2.0-dev check
          bzip2 tar hwloc dbus systemd man-db groff-base)

install_missing() {
        local missing=()
        for p in "${packages[@]}"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
                        missing+=("$p")
        done
        ((${#missing[@]})) || return 0
        echo "dev.sh: installing ${missing[*]}"
        if [ "$(id -u)" != 0 ]; then
                echo "dev.sh: installing packages needs root (run as root or with sudo)" >&2
                exit 1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# configure in a build directory of its own; flags for the sanitizer build.
build() {
        local dir=$1; shift
        [ -x "$top/configure" ] || "$top/autogen.sh"
        mkdir -p "$dir"
        if [ ! -f "$dir/Makefile" ]; then
                (cd "$dir" && "$top/configure" -q "$@")
        fi
        make -C "$dir" -s -j"$(nproc)"
}

run_tests() {
        local dir=$1; shift
        build "$dir" "$@"
        # The test logs keep each suite's output; show failures' logs in full.
        if ! make -C "$dir" -s -j"$(nproc)" check; then
                find "$dir/tests" -name '*.log' -exec grep -l -E '^(not ok|FAIL|ERROR)' {} + |
                        xargs -r cat
                return 1
        fi
}

export SHARED_DIR=${SHARED_DIR:-$(cd "$top/.." && pwd)/shared}
# The tests unpack sysfs captures of 10,000 files each: in memory that takes a tenth of
# a second, on a disk-backed /tmp ten or more.
if [ -z "${TMPDIR:-}" ] && [ -w /dev/shm ]; then
        export TMPDIR=/dev/shm
fi

case "${1:-}" in
run)
        install_missing
        build build
        exec build/irqbald --oneshot --dry-run "${@:2}"
        ;;
test)
        install_missing
        # The live test moves this machine's IRQs for real (and puts every mask back):
        # once is enough, in the plain build.
        IRQBAL_LIVE_TESTS=1 run_tests build
        run_tests build-asan --enable-sanitizers
        make -C build -s distcheck DISTCHECK_CONFIGURE_FLAGS=-q >build/distcheck.log 2>&1 || {
                tail -50 build/distcheck.log; exit 1; }
        echo "dev.sh: make distcheck passed"
        # One closing line for all suites, in Check's words.
        find build build-asan -path '*/tests/*' -name '*.log' -exec \
                grep -h -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' {} + |
                awk -F'[:,] *' '{ n += $3; f += $5; e += $7 }
                        END { printf "%d%%: Checks: %d, Failures: %d, Errors: %d\n",
                                     n ? 100 * (n - f - e) / n : 0, n, f, e }'
        ;;
*)
        echo "Usage: $0 run [IRQBALD-OPTIONS…] | test" >&2
        exit 2
        ;;
esac
