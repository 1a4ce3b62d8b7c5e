#!/usr/bin/env python3
"""Scripted SMTP server on loopback for generating the paste corpus (tests/fixtures/pastes).

Usage: paste-server.py SCENARIO PORTFILE CERT KEY
SCENARIO: seed (250-STARTTLS as line 1), correct (STARTTLS on an ehlo-line), absent (no STARTTLS).
Binds 127.0.0.1:0, writes the port to PORTFILE, serves connections until killed.
STARTTLS upgrades with CERT/KEY; the EHLO reply inside TLS has no STARTTLS.
"""
import socket, ssl, sys, threading

REPLIES = {
    "seed": ["250-STARTTLS", "250-mail.domain1.com", "250-8BITMIME", "250-PIPELINING",
             "250-HELP", "250-DELIVERBY 300", "250 SIZE 30000000"],
    "correct": ["250-mail.domain1.com", "250-8BITMIME", "250-PIPELINING", "250-STARTTLS",
                "250-HELP", "250 SIZE 30000000"],
    "absent": ["250-mail.domain1.com", "250-8BITMIME", "250-PIPELINING", "250-HELP",
               "250 SIZE 30000000"],
}
AFTER_TLS = ["250-mail.domain1.com", "250-8BITMIME", "250-PIPELINING", "250-AUTH PLAIN",
             "250 SIZE 30000000"]


def send(f, lines):
    f.write("".join(l + "\r\n" for l in lines).encode())
    f.flush()


def session(conn, scenario, ctx):
    tls = False
    f = conn.makefile("rwb")
    send(f, ["220 mail.domain1.com ESMTP Service ready"])
    while True:
        line = f.readline(4096)
        if not line:
            return
        verb = line.decode("latin-1").strip().split(" ")[0].upper()
        if verb == "EHLO":
            send(f, AFTER_TLS if tls else REPLIES[scenario])
        elif verb == "HELO":
            send(f, ["250 mail.domain1.com"])
        elif verb == "STARTTLS" and not tls and scenario != "absent":
            send(f, ["220 2.0.0 Ready to start TLS"])
            f.close()
            conn = ctx.wrap_socket(conn, server_side=True)
            f = conn.makefile("rwb")
            tls = True
        elif verb == "QUIT":
            send(f, ["221 2.0.0 Bye"])
            return
        elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
            send(f, ["250 2.0.0 Ok"])
        elif verb == "DATA":
            send(f, ["354 End data with <CR><LF>.<CR><LF>"])
            while True:
                l = f.readline(65536)
                if not l or l in (b".\r\n", b".\n"):
                    break
            send(f, ["250 2.0.0 Ok: queued"])
        elif verb == "AUTH":
            send(f, ["535 5.7.8 Authentication failed"])
        else:
            send(f, ["502 5.5.2 Command not recognized"])


def main():
    scenario, portfile, cert, key = sys.argv[1:5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    with open(portfile, "w") as p:
        p.write(str(s.getsockname()[1]))
    while True:
        conn, _ = s.accept()
        def run(c=conn):
            try:
                session(c, scenario, ctx)
            except Exception:
                pass
            finally:
                try:
                    c.close()
                except Exception:
                    pass
        threading.Thread(target=run, daemon=True).start()


main()
