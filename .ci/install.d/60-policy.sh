# MTA-STS, TLS-RPT and DANE tests (tests/it/policy*.rs): nsd as the authoritative server,
# ldnsutils to sign zones at test time (ldns-keygen, ldns-signzone, ldns-key2ds, drill),
# unbound as a site's validating resolver in front of it,
# nginx-light to serve policies over HTTPS. The tests run private instances with their own
# configuration in temp dirs on 127.11.x.y; the system services are never used, so they are
# kept from starting (or stopped) and disabled: nsd would otherwise hold port 53 and nginx
# port 80 on every address.
banner "policy lab (nsd, ldnsutils, unbound, nginx-light)"
_policy_rc_added=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    # Debian's documented switch: invoke-rc.d starts no service while this exits 101.
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
    _policy_rc_added=1
fi
apt_install nsd ldnsutils unbound nginx-light
if ((_policy_rc_added)); then
    "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d
fi
for svc in nsd unbound nginx; do
    if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
        "${SUDO[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || true
    elif [[ -x /etc/init.d/$svc ]]; then
        "${SUDO[@]}" /etc/init.d/$svc stop >/dev/null 2>&1 || true
    fi
done
nsd -v 2>&1 | sed -n 1p
/usr/sbin/nginx -v 2>&1
