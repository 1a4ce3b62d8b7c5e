# Postfix for the tests' private instances (tests/support/postfix.sh): binaries
# only, no system mail configuration, so its postinst never sets up or starts
# the system instance (the tests never use it, /etc/postfix or port 25).
banner "system packages (postfix, openssl, ca-certificates)"
echo "postfix postfix/main_mailer_type select No configuration" |
    "${SUDO[@]}" debconf-set-selections
apt_install postfix openssl ca-certificates
/usr/sbin/postconf -d mail_version
