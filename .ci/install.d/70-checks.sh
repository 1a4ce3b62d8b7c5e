# Active checks (issue 12): two real aiosmtpd releases, each in its own venv, as STARTTLS
# servers on loopback. 1.4.5 is vulnerable to STARTTLS command injection (CVE-2024-34083),
# 1.4.6 is fixed. The tests find them under $SMTP_TLS_CHECK_AIOSMTPD (default
# /opt/smtp-tls-check/aiosmtpd): $DIR/1.4.5/bin/python and $DIR/1.4.6/bin/python.
# Postfix (for smtpd_tls_security_level=encrypt and may) comes from 10-postfix.sh.
banner "aiosmtpd 1.4.5 and 1.4.6 (venvs)"
apt_install python3-venv
_aiosmtpd_dir=${SMTP_TLS_CHECK_AIOSMTPD:-/opt/smtp-tls-check/aiosmtpd}
for _v in 1.4.5 1.4.6; do
    if "$_aiosmtpd_dir/$_v/bin/python" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$_v')" 2>/dev/null; then
        echo "aiosmtpd $_v already in $_aiosmtpd_dir/$_v"
        continue
    fi
    "${SUDO[@]}" rm -rf "$_aiosmtpd_dir/$_v"
    "${SUDO[@]}" python3 -m venv "$_aiosmtpd_dir/$_v"
    "${SUDO[@]}" "$_aiosmtpd_dir/$_v/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$_v"
    "$_aiosmtpd_dir/$_v/bin/python" -c "import aiosmtpd; print('aiosmtpd', aiosmtpd.__version__)"
done
unset _v _aiosmtpd_dir
