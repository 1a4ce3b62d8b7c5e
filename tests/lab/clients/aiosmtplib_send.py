"""Client-lab driver: aiosmtplib sends one message with its own opportunistic STARTTLS.

Usage: python3 aiosmtplib_send.py HOST PORT. `start_tls=None` (the default) means "upgrade if
the server supports it"; `validate_certs=False` accepts the test certificate. Prints
`LAB saw-starttls=yes|no` after connecting: yes if it upgraded (it does only when its own
supports_extension says so) or lists STARTTLS.
"""

import asyncio
import sys

import aiosmtplib

MESSAGE = "From: a@lab.test\r\nTo: b@mx.test\r\nSubject: lab\r\n\r\nclient lab\r\n"


async def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    smtp = aiosmtplib.SMTP(
        hostname=host,
        port=port,
        local_hostname="lab.test",
        validate_certs=False,
        timeout=20,
    )
    await smtp.connect()
    # After an upgrade the extensions are those of the EHLO inside TLS (no STARTTLS): a TLS
    # transport is the sign that aiosmtplib saw STARTTLS in the first reply.
    upgraded = smtp.get_transport_info("sslcontext") is not None
    saw = upgraded or smtp.supports_extension("starttls")
    print(f"LAB saw-starttls={'yes' if saw else 'no'}", flush=True)
    await smtp.sendmail("a@lab.test", ["b@mx.test"], MESSAGE)
    await smtp.quit()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
