"""Client-lab driver: Python smtplib sends one message, STARTTLS only if smtplib sees it.

Usage: python3 smtplib_send.py HOST PORT. The test certificate is not verified: only the
reading of the EHLO reply is under test. Prints `LAB saw-starttls=yes|no` (smtplib's own
has_extn) before going on.
"""

import smtplib
import ssl
import sys

MESSAGE = "From: a@lab.test\r\nTo: b@mx.test\r\nSubject: lab\r\n\r\nclient lab\r\n"


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP(host, port, local_hostname="lab.test", timeout=20) as s:
        s.ehlo()
        saw = s.has_extn("starttls")
        print(f"LAB saw-starttls={'yes' if saw else 'no'}", flush=True)
        if saw:
            s.starttls(context=ctx)
            s.ehlo()
        s.sendmail("a@lab.test", ["b@mx.test"], MESSAGE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
