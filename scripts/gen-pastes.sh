#!/usr/bin/env bash
# Regenerates the real-tool samples of tests/fixtures/pastes/ by running each client against
# scripts/paste-server.py (a scripted SMTP server on 127.0.0.1) for three scenarios:
#   seed    - 250-STARTTLS as line 1 of the EHLO reply (the seeds' case)
#   correct - STARTTLS on an ehlo-line
#   absent  - no STARTTLS at all
# Needs: python3, openssl, swaks + libnet-ssleay-perl, postfix (posttls-finger), curl, msmtp,
# socat, netcat-openbsd, php-cli + libphp-phpmailer. Missing tools are skipped (printed).
# The samples are committed; CI does not run this script. Expectations live in
# tests/fixtures/pastes/expect.tsv and are written by hand from the scenario, not from the tool.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/tests/fixtures/pastes}
work=$(mktemp -d)
chmod 755 "$work" # exim runs as nobody and must reach its spool
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$out"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 3650 -subj /CN=mail.domain1.com 2>/dev/null

have() { command -v "$1" >/dev/null 2>&1 || { echo "SKIPPED $2: $1 not installed"; return 1; }; }

# A private Postfix configuration directory for posttls-finger (it reads main.cf).
mkdir -p "$work/pf"
cp /usr/share/postfix/main.cf.debian "$work/pf/main.cf" 2>/dev/null || : >"$work/pf/main.cf"
printf 'setgid_group = postdrop\nmail_owner = postfix\ncompatibility_level = 3.6\n' >>"$work/pf/main.cf"

cat >"$work/pm.php" <<'PHP'
<?php
require '/usr/share/php/libphp-phpmailer/autoload.php';
use PHPMailer\PHPMailer\PHPMailer;
$m = new PHPMailer(true);
$m->isSMTP(); $m->Host = '127.0.0.1'; $m->Port = (int)$argv[1];
$m->SMTPDebug = (int)$argv[2]; $m->SMTPAutoTLS = true; $m->SMTPAuth = false;
if (($argv[3] ?? '') === 'html') { $m->Debugoutput = 'html'; }
$m->SMTPOptions = ['ssl' => ['verify_peer' => false, 'verify_peer_name' => false, 'allow_self_signed' => true]];
$m->setFrom('a@b.example'); $m->addAddress('c@d.example'); $m->Subject = 'x'; $m->Body = 'x';
try { $m->send(); } catch (Exception $e) { echo "Mailer Error: ", $m->ErrorInfo, "\n"; }
PHP

cat >"$work/gen_smtplib.py" <<'PY'
import smtplib, ssl, sys
port, level = int(sys.argv[1]), int(sys.argv[2])
s = smtplib.SMTP("127.0.0.1", port)
s.set_debuglevel(level)
s.ehlo("client.example")
if s.has_extn("starttls"):
    s.starttls(context=ssl._create_unverified_context())
    s.ehlo("client.example")
s.quit()
PY

# Exim conflicts with postfix: unpacked into the work folder, never installed.
exim=
if (cd "$work" && apt-get download exim4-daemon-light >/dev/null 2>&1); then
    dpkg -x "$work"/exim4-daemon-light_*.deb "$work/exim-root"
    exim="$work/exim-root/usr/sbin/exim4"
    mkdir -p "$work/exim-spool" "$work/exim-log"
    chown nobody:nogroup "$work/exim-spool" "$work/exim-log"
else
    echo "SKIPPED exim: apt-get download exim4-daemon-light failed"
fi
exim_conf() {
    cat <<CONF
exim_path = $exim
keep_environment =
exim_user = nobody
exim_group = nogroup
spool_directory = $work/exim-spool
log_file_path = $work/exim-log/%slog
primary_hostname = client.example
begin routers
r:
  driver = manualroute
  domains = *
  route_list = * 127.0.0.1
  transport = t
  self = send
begin transports
t:
  driver = smtp
  port = $1
  allow_localhost
  tls_verify_certificates =
begin retry
* * F,1m,1m
CONF
}

for scen in seed correct absent; do
    rm -f "$work/port"
    python3 "$here/scripts/paste-server.py" "$scen" "$work/port" "$work/cert.pem" "$work/key.pem" &
    server_pid=$!
    for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
    port=$(cat "$work/port")
    t() { timeout 20 "$@"; }

    if have swaks swaks; then
        t swaks --server "127.0.0.1:$port" --to c@d.example --from a@b.example --tls-optional \
            --quit-after RCPT >"$out/swaks-$scen.txt" 2>&1
    fi
    if have openssl openssl; then
        echo QUIT | t openssl s_client -starttls smtp -connect "127.0.0.1:$port" -ign_eof \
            >"$out/openssl-$scen.txt" 2>&1
        echo QUIT | t openssl s_client -starttls smtp -connect "127.0.0.1:$port" -ign_eof -debug \
            >"$out/openssl-debug-$scen.txt" 2>&1
        echo QUIT | t openssl s_client -starttls smtp -connect "127.0.0.1:$port" -ign_eof -msg \
            >"$out/openssl-msg-$scen.txt" 2>&1
    fi
    if have posttls-finger posttls-finger; then
        MAIL_CONFIG="$work/pf" t posttls-finger -l may -L verbose "[127.0.0.1]:$port" \
            >"$out/posttls-finger-$scen.txt" 2>&1
        # The same, as pasted from a terminal where it was filtered with grep --color.
        MAIL_CONFIG="$work/pf" t posttls-finger -l may -L verbose "[127.0.0.1]:$port" 2>&1 |
            grep --color=always -E 'STARTTLS|$' >"$out/posttls-finger-grep-color-$scen.txt"
    fi
    if have python3 smtplib; then
        t python3 "$work/gen_smtplib.py" "$port" 1 >"$out/smtplib-debug1-$scen.txt" 2>&1
        t python3 "$work/gen_smtplib.py" "$port" 2 >"$out/smtplib-debug2-$scen.txt" 2>&1
    fi
    if have curl curl; then
        t curl -v --url "smtp://127.0.0.1:$port" --mail-from a@b.example --mail-rcpt c@d.example \
            --ssl -k -T /dev/null >"$out/curl-$scen.txt" 2>&1
    fi
    if have msmtp msmtp; then
        printf 'host 127.0.0.1\nport %s\ntls on\ntls_starttls on\ntls_certcheck off\nfrom a@b.example\n' \
            "$port" >"$work/msmtprc"
        chmod 600 "$work/msmtprc"
        printf 'Subject: x\n\nx\n' | t msmtp --debug -C "$work/msmtprc" c@d.example \
            >"$out/msmtp-$scen.txt" 2>&1
    fi
    if have socat socat; then
        (printf 'EHLO client.example\r\n'; sleep 0.5; printf 'QUIT\r\n'; sleep 0.5) |
            t socat -v - "TCP:127.0.0.1:$port" 2>"$out/socat-$scen.txt" >/dev/null
    fi
    if have nc netcat; then
        (printf 'EHLO client.example\r\n'; sleep 0.5; printf 'QUIT\r\n'; sleep 0.5) |
            t nc -q 2 127.0.0.1 "$port" >"$out/nc-$scen.txt" 2>&1
    fi
    if have php phpmailer && [ -f /usr/share/php/libphp-phpmailer/autoload.php ]; then
        t php "$work/pm.php" "$port" 2 >"$out/phpmailer-debug2-$scen.txt" 2>&1
        t php "$work/pm.php" "$port" 4 >"$out/phpmailer-debug4-$scen.txt" 2>&1
        t php "$work/pm.php" "$port" 2 html >"$out/phpmailer-html-$scen.txt" 2>&1
    fi
    if [ -n "$exim" ]; then
        exim_conf "$port" >"$work/exim.conf"
        printf 'Subject: x\n\nx\n' | t "$exim" -C "$work/exim.conf" -v -odf -f a@b.example c@d.example \
            >"$out/exim-v-$scen.txt" 2>&1
        printf 'Subject: x\n\nx\n' | t "$exim" -C "$work/exim.conf" -d+transport -odf -f a@b.example \
            c@d.example 2>&1 | grep -v '^ *[0-9]* *\(Support for\|Library version\)' >"$out/exim-d-$scen.txt"
    fi
    if [ -x "$here/target/debug/smtp-tls-check" ]; then
        t "$here/target/debug/smtp-tls-check" --transcript --insecure --color never \
            "127.0.0.1:$port" >"$out/smtp-tls-check-transcript-$scen.txt" 2>&1
    fi
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
done
# Time stamps, host names and ports make every run differ; nothing else should.
echo "samples written to $out"
