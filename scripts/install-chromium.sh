#!/bin/sh
# Installs Debian's headless-capable Chromium for the metricz browser test
# (metricz/browser_test.go). Idempotent and non-interactive: does nothing
# when /usr/bin/chromium already exists.
set -eu

if [ -x /usr/bin/chromium ]; then
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
# Other installers may run apt at the same time: wait for the dpkg lock
# instead of failing, and retry once if a concurrent run disturbed ours.
APT_WAIT="-o DPkg::Lock::Timeout=600"
$SUDO apt-get $APT_WAIT update
if ! $SUDO apt-get $APT_WAIT install -y --no-install-recommends chromium fonts-dejavu-core; then
	$SUDO apt-get $APT_WAIT update
	$SUDO apt-get $APT_WAIT install -y --no-install-recommends chromium fonts-dejavu-core
fi
test -x /usr/bin/chromium
