# The client lab's non-MTA clients (tests/it/lab/): everything from nothing, from Debian, PyPI,
# npm and crates.io. Debian packages go in with apt; the rest lands in $LAB_CLIENTS_DIR
# (default /var/cache/smtp-tls-check/lab, kept between runs on the same machine as a cache):
# a Python venv with aiosmtplib, npm's nodemailer, and the Rust drivers (lettre, mail-send).
# The Go and Java drivers are built by the tests themselves (seconds, standard tools only).
# posttls-finger comes with postfix (10-postfix.sh).
banner "client lab: SMTP clients (Debian, PyPI, npm, crates.io)"
_lab_t0=$SECONDS
export LAB_CLIENTS_DIR=${LAB_CLIENTS_DIR:-/var/cache/smtp-tls-check/lab}
mkdir -p "$LAB_CLIENTS_DIR"

apt_install swaks testssl.sh msmtp curl openssl golang-go ruby perl \
    libio-socket-ssl-perl libnet-ssleay-perl \
    libjakarta-mail-java libjakarta-activation-java openjdk-17-jdk-headless
command -v node >/dev/null || apt_install nodejs npm
command -v python3 >/dev/null || apt_install python3 python3-venv
_lab_t_apt=$SECONDS

# aiosmtplib: a private venv (never the system's site-packages).
if ! "$LAB_CLIENTS_DIR/venv/bin/python" -c 'import aiosmtplib' 2>/dev/null; then
    rm -rf "$LAB_CLIENTS_DIR/venv"
    if ! python3 -m venv "$LAB_CLIENTS_DIR/venv" 2>/dev/null; then
        apt_install python3-venv
        python3 -m venv "$LAB_CLIENTS_DIR/venv"
    fi
    "$LAB_CLIENTS_DIR/venv/bin/pip" install --quiet --disable-pip-version-check aiosmtplib
fi
_lab_t_pip=$SECONDS

# nodemailer: a private prefix, found by the driver through NODE_PATH.
if [[ ! -f $LAB_CLIENTS_DIR/node/node_modules/nodemailer/package.json ]]; then
    mkdir -p "$LAB_CLIENTS_DIR/node"
    npm install --silent --no-audit --no-fund --prefix "$LAB_CLIENTS_DIR/node" nodemailer
fi
_lab_t_npm=$SECONDS

# lettre and mail-send: a small Cargo project outside the workspace, built without
# optimisation (the drivers send one message each; build time is what counts here).
cargo build --release --locked --quiet \
    --manifest-path tests/lab/rust-clients/Cargo.toml \
    --target-dir "$LAB_CLIENTS_DIR/rust-target"
_lab_t_cargo=$SECONDS

echo "lab clients installed:"
printf '  %-20s %s\n' \
    swaks "$(dpkg-query -W -f='${Version}' swaks)" \
    testssl.sh "$(dpkg-query -W -f='${Version}' testssl.sh)" \
    msmtp "$(dpkg-query -W -f='${Version}' msmtp)" \
    curl "$(dpkg-query -W -f='${Version}' curl)" \
    openssl "$(openssl version)" \
    go "$(go version)" \
    ruby "$(ruby -rnet/smtp -e 'print "#{RUBY_VERSION}, net-smtp #{Net::SMTP::VERSION}"')" \
    perl "$(perl -MNet::SMTP -MIO::Socket::SSL -e 'print "Net::SMTP $Net::SMTP::VERSION, IO::Socket::SSL $IO::Socket::SSL::VERSION"')" \
    jakarta-mail "$(dpkg-query -W -f='${Version}' libjakarta-mail-java)" \
    java "$(java -version 2>&1 | head -n 1)" \
    python3 "$(python3 --version)" \
    aiosmtplib "$("$LAB_CLIENTS_DIR/venv/bin/python" -c 'import aiosmtplib; print(aiosmtplib.__version__)')" \
    node "$(node --version)" \
    nodemailer "$(sed -n 's/^ *"version": "\(.*\)",$/\1/p' "$LAB_CLIENTS_DIR/node/node_modules/nodemailer/package.json")" \
    rust-drivers "$(ls "$LAB_CLIENTS_DIR/rust-target/release/" | grep -E '^(lettre|mail-send)-send$' | tr '\n' ' ')"
echo "lab clients: apt $((_lab_t_apt - _lab_t0))s, pip $((_lab_t_pip - _lab_t_apt))s," \
    "npm $((_lab_t_npm - _lab_t_pip))s, cargo $((_lab_t_cargo - _lab_t_npm))s," \
    "total $((SECONDS - _lab_t0))s"
