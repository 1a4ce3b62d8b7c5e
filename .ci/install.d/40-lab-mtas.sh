# The MTAs of the client lab (tests/it/lab/{exim,sendmail,opensmtpd}.rs, run
# by tests/support/<mta>.sh): Exim, Sendmail and OpenSMTPD conflict with the
# postfix package, so they are never installed. Their Debian packages are
# fetched with `apt-get download` and unpacked with `dpkg -x` into
# $LAB_MTA_ROOT/<mta>/ (default /var/cache/smtp-tls-check/lab-mtas); the
# tests run them from there with private configs, spools and logs, in a
# private mount namespace, and never touch /etc/<mta>, the system spools or
# port 25. Their shared libraries (which conflict with nothing) are
# installed, plus m4 for Sendmail's cf macros and the system users their
# binaries look up by name. Postfix itself comes from 10-postfix.sh.
banner "client-lab MTAs: exim4, sendmail, opensmtpd unpacked under ${LAB_MTA_ROOT:-/var/cache/smtp-tls-check/lab-mtas}"
_lab_mtas_t0=$SECONDS
_lab_mtas() {
    local root=${LAB_MTA_ROOT:-/var/cache/smtp-tls-check/lab-mtas}
    # The libraries the unpacked binaries link against (from their Depends),
    # util-linux for unshare, m4 for sendmail-cf.
    apt_install m4 util-linux libdb5.3 libidn12 libidn2-0 libgnutls30 libgnutls-dane0 \
        libpcre2-8-0 libnsl2 libcrypt1 libldap-2.5-0 liblockfile1 libsasl2-2 libssl3 \
        libwrap0 libevent-2.1-7 zlib1g libpam0g

    # Users the binaries need: Exim's compiled-in exim_user, OpenSMTPD's
    # privilege-separation and queue users (Debian's names).
    local u
    for u in Debian-exim opensmtpd opensmtpq; do
        if ! getent passwd "$u" >/dev/null; then
            "${SUDO[@]}" useradd --system --user-group --no-create-home \
                --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
        fi
    done

    local debs=$root/debs mta pkg
    "${SUDO[@]}" mkdir -p "$debs"
    # One download for all seven packages; `apt-get download` as root warns
    # that _apt cannot write here, which is harmless.
    local want=() have
    for pkg in exim4-base exim4-config exim4-daemon-light sendmail-base sendmail-bin sendmail-cf opensmtpd; do
        have=$(compgen -G "$debs/${pkg}_*.deb" || true)
        [[ -n $have ]] || want+=("$pkg")
    done
    if ((${#want[@]})); then
        (cd "$debs" && "${SUDO[@]}" apt-get download "${want[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
    fi
    for pkg in exim:exim4-base exim:exim4-config exim:exim4-daemon-light \
        sendmail:sendmail-base sendmail:sendmail-bin sendmail:sendmail-cf \
        opensmtpd:opensmtpd; do
        mta=${pkg%%:*} pkg=${pkg#*:}
        have=$(compgen -G "$debs/${pkg}_*.deb" | head -n 1 || true)
        [[ -n $have ]] || { echo "apt-get download $pkg failed" >&2; return 1; }
        "${SUDO[@]}" mkdir -p "$root/$mta"
        "${SUDO[@]}" dpkg -x "$have" "$root/$mta"
        # Provenance for the lab's matrix: package and version as unpacked.
        printf '%s %s\n' "$pkg" "$(dpkg-deb -f "$have" Version)" |
            "${SUDO[@]}" tee "$root/$mta/PACKAGE.$pkg" >/dev/null
    done
    # smtpctl must be setgid opensmtpq to enqueue (Debian's postinst does
    # this with dpkg-statoverride; dpkg -x does not keep it).
    "${SUDO[@]}" chgrp opensmtpq "$root/opensmtpd/usr/sbin/smtpctl"
    "${SUDO[@]}" chmod 2555 "$root/opensmtpd/usr/sbin/smtpctl"

    "$root/exim/usr/sbin/exim4" -C /dev/null -bV 2>/dev/null | head -n 1 || true
    cat "$root/sendmail/PACKAGE.sendmail-bin"
    "$root/opensmtpd/usr/sbin/smtpd" -h 2>&1 | head -n 1 || true
}
_lab_mtas
echo "client-lab MTAs ready in $((SECONDS - _lab_mtas_t0)) s"
unset -f _lab_mtas
unset _lab_mtas_t0
