"""A real aiosmtpd STARTTLS server on loopback for the integration tests.

    python aiosmtpd_server.py HOST PORT CERT_PEM KEY_PEM

With AIOSMTPD_AUTH_BEFORE_TLS=1 in the environment, AUTH is offered before STARTTLS
(auth_require_tls=False), as a misconfigured submission server does.

Prints "ready <port> <version>" on stdout once it accepts connections and runs until stdin closes
(the test holds the pipe, so a dead test leaves no server behind). Messages are accepted
and dropped; the tests never send RCPT or DATA anyway.
"""
import os
import ssl
import sys

import aiosmtpd
from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK dropped"


def main():
    host, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    controller = Controller(
        Sink(),
        hostname=host,
        port=port,
        tls_context=context,
        require_starttls=False,
        server_hostname="aiosmtpd.test",
        ident="aiosmtpd " + aiosmtpd.__version__,
        auth_require_tls=os.environ.get("AIOSMTPD_AUTH_BEFORE_TLS") != "1",
    )
    controller.start()
    print("ready", controller.port, aiosmtpd.__version__, flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
