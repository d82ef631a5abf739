#!/bin/sh
# Installs the Debian 12 packages stitch needs, and only those that are missing, so that
# `make run` and `make test` work on a fresh machine and cost nothing on a prepared one.
#
#   deploy/install-deps.sh [build|dev|bench]...     (default: build)
#
#   build  compiler, CMake, the libraries, Catch2, Google Benchmark, python3 (integration tests)
#   dev    clang 14 (libFuzzer, sanitizers), clang-format, clang-tidy
#   bench  the peers of the throughput race: rsyslog's binary (unpacked, see below) and syslog-ng
#
# Needs root (or sudo) only when something is missing.
set -eu

build_pkgs="build-essential cmake ninja-build pkg-config ccache python3
libboost-dev libspdlog-dev libfmt-dev libsimdjson-dev libyaml-cpp-dev catch2 libcli11-dev
libsqlite3-dev libbenchmark-dev zlib1g-dev libzstd-dev libjemalloc-dev"
dev_pkgs="clang clang-format clang-tidy libclang-rt-14-dev"
bench_pkgs="syslog-ng-core libestr0 libfastjson4 liblognorm5"

groups=${*:-build}
wanted=""
for g in $groups; do
    case $g in
        build) wanted="$wanted $build_pkgs" ;;
        dev) wanted="$wanted $dev_pkgs" ;;
        bench) wanted="$wanted $bench_pkgs" ;;
        *) echo "install-deps: unknown group '$g' (build, dev, bench)" >&2; exit 2 ;;
    esac
done

missing=""
for p in $wanted; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

run_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "install-deps: these packages are missing and I am not root:$missing" >&2
        echo "install-deps: run as root: apt-get install -y$missing" >&2
        exit 1
    fi
}

if [ -n "$missing" ]; then
    echo "install-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine may have no package lists yet; refresh them once, then install.
    run_root apt-get update -qq
    # shellcheck disable=SC2086
    run_root apt-get install -y -qq --no-install-recommends $missing
fi

# rsyslog conflicts with syslog-ng-core in Debian; the race runs its binary unpacked from the
# .deb (same binary as the package), as ../shared/bench/README.md describes.
case " $groups " in
    *" bench "*)
        root=/tmp/rsyslog-root
        if [ ! -x "$root/usr/sbin/rsyslogd" ]; then
            tmp=$(mktemp -d)
            (cd "$tmp" && apt-get download rsyslog >/dev/null && dpkg -x rsyslog_*.deb "$root")
            rm -rf "$tmp"
        fi
        ;;
esac
exit 0
