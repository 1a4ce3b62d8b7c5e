# Monitoring tests (tests/it/monitor.rs, tests/it/exporter.rs): a real Prometheus server
# and promtool (Debian `prometheus`), xmllint (libxml2-utils) for the JUnit schema, and
# Nagios Core (nagios4-core, 0.8 MB) to run the plugin output as a real plugin runner.
# The Debian package's postinst would start a system Prometheus on :9090 where an init
# system runs; the tests never use it (private config, their own port), and without
# systemd (CI containers) nothing is started. policy-rc.d keeps it so either way.
banner "monitoring (prometheus, promtool, xmllint, nagios4)"
_policy_rc_d_created=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${SUDO[@]}" chmod +x /usr/sbin/policy-rc.d
    _policy_rc_d_created=1
fi
apt_install prometheus libxml2-utils nagios4-core
if ((_policy_rc_d_created)); then
    "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d
fi
prometheus --version 2>&1 | head -n 1 || true
promtool --version 2>&1 | head -n 1 || true
xmllint --version 2>&1 | head -n 1 || true
nagios4 --version 2>&1 | sed -n 2p || true
