#!/usr/bin/env bash
# setup-test-env — install the system packages the real-agent, real-guest and libvirt test
# suites need, on Debian or Ubuntu (root, apt). `npm run setup:test-env` runs it.
#
#   qemu-guest-agent, socat          the sandboxed host qemu-ga (scripts/test-env/qemu-ga)
#   qemu-system-x86, cpio, e2fsprogs, util-linux, apt package lists
#                                    QEMU and the guest build tools (scripts/test-env/vm/install-deps)
#   libvirt-daemon-system, libvirt-clients, libvirt-daemon-driver-qemu, python3-libvirt
#                                    a real libvirtd (scripts/test-env/libvirt)
#
# Idempotent and quick: when everything is installed it only checks (about a second, no root
# needed) and says so. It installs packages only; the suites start the agent, the guest and
# libvirtd themselves.
#
# Usage: sudo npm run setup:test-env      (or: sudo scripts/setup-test-env.sh [--check])
#   --check  install nothing: list what is missing, exit 0 when nothing is
set -euo pipefail
PROG=setup-test-env
cd "$(dirname "$0")/.."
check=0
case ${1:-} in
  --check) check=1 ;;
  "") ;;
  -h|--help) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
  *) echo "$PROG: unknown option $1 (try --help)" >&2; exit 2 ;;
esac

if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
  echo "$PROG: error: this script needs Debian or Ubuntu (apt-get). Install by hand:" >&2
  echo "  qemu-guest-agent socat qemu-system-x86 cpio e2fsprogs libvirt (daemon, clients, QEMU driver, Python binding)" >&2
  exit 1
fi

# Host agent and libvirt; QEMU and the guest build tools are install-deps' list.
pkgs=(qemu-guest-agent socat libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu python3-libvirt)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
vm_ok=1
vm_report=$(scripts/test-env/vm/install-deps --check) || vm_ok=0

if [ ${#missing[@]} -eq 0 ] && [ $vm_ok = 1 ]; then
  echo "$PROG: everything the real test suites need is installed."
  exit 0
fi
[ ${#missing[@]} -eq 0 ] || echo "$PROG: missing packages: ${missing[*]}"
[ $vm_ok = 1 ] || printf '%s\n' "$vm_report"
if [ $check = 1 ]; then exit 1; fi
if [ "$(id -u)" != 0 ]; then
  echo "$PROG: error: installing needs root: sudo npm run setup:test-env" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
  echo "$PROG: apt-get install ${missing[*]}"
  apt-get update -q
  # --no-install-recommends: libvirt would otherwise pull in dnsmasq, netcat, firewall tools.
  # A package's service may not start here (no systemd, or no virtio port for qemu-ga): the
  # suites start their own agent and daemon, so that is fine.
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}"
fi
scripts/test-env/vm/install-deps
echo "$PROG: done; \`npm test\` now runs the real-agent and real-guest suites."
