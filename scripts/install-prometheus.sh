#!/bin/sh
# Installs Debian's Prometheus server (2.42) for the end-to-end test of the
# fastmeter/prometheus exporter. Idempotent and non-interactive: it does
# nothing when /usr/bin/prometheus already exists.
#
# The Debian package ships a systemd service; the test never uses it. It starts
# its own instance on a free 127.0.0.1 port with a temporary config and data
# directory. policy-rc.d keeps the package's postinst from starting the service
# (that would bind :9090 and write to /var/lib/prometheus on a shared CI host).
set -eu

if [ -x /usr/bin/prometheus ]; then
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive

# Refuse service starts during installation only when no policy is in place yet.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
	created_policy=1
fi
cleanup() {
	if [ "$created_policy" -eq 1 ]; then
		$SUDO rm -f "$policy"
	fi
}
trap cleanup EXIT

$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends prometheus

# Belt and braces: if some init system did start the packaged service, stop it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
	$SUDO systemctl stop prometheus || true
	$SUDO systemctl disable prometheus || true
fi

/usr/bin/prometheus --version
