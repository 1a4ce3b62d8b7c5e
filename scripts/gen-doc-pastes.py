#!/usr/bin/env python3
"""Writes the corpus samples that are not produced by running a tool, and the manifest.

- doc-*: written from the documented formats of sources that do not run on Debian/PyPI/npm
  (Exchange protocol logs, .NET network traces, Thunderbird's log) or that need a whole MTA
  set-up (Postfix's mail log with debug_peer_list / smtpd -v).
- dec-*: real samples (made by scripts/gen-pastes.sh) transformed the way copying and pasting
  transforms text: UTF-16, byte-order marks, NBSP, Markdown, e-mail quoting, quoted-printable,
  literal \\r\\n in a log line, unknown prefixes, fragments, several sessions.
- expect.json: for every sample, the expected exit code, STARTTLS placement and finding ids,
  written from the scenario (seed / correct / absent) and the rules below, never from this
  tool's output.

Usage: scripts/gen-doc-pastes.py [DIR]   (default tests/fixtures/pastes)
"""
import json, os, sys

DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "pastes")

BANNER = "220 mail.domain1.com ESMTP Service ready"
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
SCENS = ["seed", "correct", "absent"]


def write(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(DIR, name), mode, **({} if mode == "wb" else {"newline": ""})) as f:
        f.write(data)


def read(name):
    with open(os.path.join(DIR, name), "rb") as f:
        return f.read()


def conversation(scen):
    """(direction, line) of a whole session: banner, EHLO, reply, STARTTLS, EHLO in TLS."""
    out = [("S", BANNER), ("C", "EHLO relay.contoso.com")]
    out += [("S", l) for l in REPLIES[scen]]
    if scen != "absent":
        out += [("C", "STARTTLS"), ("S", "220 2.0.0 Ready to start TLS"), ("TLS", ""),
                ("C", "EHLO relay.contoso.com")] + [("S", l) for l in AFTER_TLS]
    else:
        out += [("C", "MAIL FROM:<a@b.example>"), ("S", "250 2.0.0 Ok")]
    out += [("C", "QUIT"), ("S", "221 2.0.0 Bye")]
    return out


def postfix_smtp(scen):
    peer = "mail.domain1.com[192.0.2.25]:25"
    pre = "Nov 30 16:27:53 relay postfix/smtp[4711]: "
    lines = [pre + "connect to " + peer]
    for d, l in conversation(scen):
        if d == "TLS":
            lines.append(pre + "setting up TLS connection to " + peer)
            lines.append(pre + "Untrusted TLS connection established to " + peer + ": TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)")
        else:
            lines.append(pre + ("< " if d == "S" else "> ") + peer + ": " + l)
    return "\n".join(lines) + "\n"


def postfix_smtpd(scen):
    peer = "unknown[192.0.2.9]"
    pre = "Nov 30 16:27:53 mail postfix/smtpd[815]: "
    lines = [pre + "connect from " + peer]
    for d, l in conversation(scen):
        if d == "TLS":
            lines.append(pre + "Anonymous TLS connection established from " + peer + ": TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)")
        else:
            # smtpd's view: it sends (>) the replies and receives (<) the commands.
            lines.append(pre + ("> " if d == "S" else "< ") + peer + ": " + l)
    return "\n".join(lines) + "\n"


def thunderbird(scen):
    lines = ["mailnews.smtp: Connecting to smtp://mail.domain1.com:25"]
    conv = conversation(scen)
    i = 0
    while i < len(conv):
        d, l = conv[i]
        if d == "TLS":
            lines.append("mailnews.smtp: Secure connection established")
        elif d == "C":
            lines.append("mailnews.smtp: C: " + l)
        else:
            # A multi-line reply arrives in one read and is logged as one message.
            block = [l]
            while l[3:4] == "-" and i + 1 < len(conv):
                i += 1
                l = conv[i][1]
                block.append(l)
            lines.append("mailnews.smtp: S: " + block[0])
            lines += block[1:]
        i += 1
    return "\n".join(lines) + "\n"


def exchange_send(scen, sep=","):
    head = ["#Software: Microsoft Exchange Server", "#Version: 15.0.0.0",
            "#Log-type: SMTP Send Protocol Log", "#Date: 2026-11-30T16:27:53.000Z",
            "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context"]
    rows = []
    sid = "08DD2F3A1B2C3D4E"
    ep = ["10.0.0.5:50123", "192.0.2.25:25"]
    seq = 0

    def row(ev, data, ctx=""):
        nonlocal seq
        t = "2026-11-30T16:27:53.%03dZ" % (100 + seq)
        cells = [t, "Outbound to Internet", sid, str(seq)] + ep + [ev, data, ctx]
        if sep == ",":
            cells = ['"%s"' % c if "," in c else c for c in cells]
        rows.append(sep.join(cells))
        seq += 1

    row("*", "", "attempting to connect")
    row("+", "", "")
    for d, l in conversation(scen):
        if d == "TLS":
            row("*", "", "Received certificate")
            row("*", "CN=mail.domain1.com", "Certificate subject")
        else:
            row("<" if d == "S" else ">", l)
    row("-", "", "Local")
    return "\n".join((head if sep == "," else []) + rows) + "\n"


def exchange_receive():
    sid = "08DD2F3A1B2C9999"
    ep = "10.0.0.5:25,192.0.2.9:50123"
    rows = [
        "#Software: Microsoft Exchange Server",
        "#Log-type: SMTP Receive Protocol Log",
        "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context",
        f"2026-11-30T16:27:53.100Z,EXCH01\\Default Frontend EXCH01,{sid},0,{ep},+,,",
        f'2026-11-30T16:27:53.101Z,EXCH01\\Default Frontend EXCH01,{sid},1,{ep},>,"220 EXCH01.contoso.com Microsoft ESMTP MAIL Service ready at Mon, 30 Nov 2026 16:27:53 +0000",',
        f"2026-11-30T16:27:53.110Z,EXCH01\\Default Frontend EXCH01,{sid},2,{ep},<,EHLO client.example,",
        f"2026-11-30T16:27:53.111Z,EXCH01\\Default Frontend EXCH01,{sid},3,{ep},>,250  EXCH01.contoso.com Hello [192.0.2.9] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS X-ANONYMOUSTLS AUTH NTLM X-EXPS GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING SMTPUTF8,",
        f"2026-11-30T16:27:53.120Z,EXCH01\\Default Frontend EXCH01,{sid},4,{ep},<,STARTTLS,",
        f"2026-11-30T16:27:53.121Z,EXCH01\\Default Frontend EXCH01,{sid},5,{ep},>,220 2.0.0 SMTP server ready,",
    ]
    return "\n".join(rows) + "\n"


def dotnet(scen):
    """System.Net.Sockets tracing (<source name="System.Net.Sockets" tracemode="includehex">)."""
    out = []
    pre = "System.Net.Sockets Verbose: 0 : [4468] "
    out.append(pre + "Socket#21454193::Connect(127.0.0.1:25#419430400)")
    for d, l in conversation(scen):
        if d == "TLS":
            out.append("System.Net Information: 0 : [4468] SecureChannel#59109011::.ctor(hostname=mail.domain1.com, #clientCertificates=0, encryptionPolicy=RequireEncryption)")
            break
        data = (l + "\r\n").encode()
        kind = "Receive" if d == "S" else "Send"
        out.append(pre + f"Socket#21454193::{kind}()")
        out.append(pre + f"Data from Socket#21454193::{kind}")
        for off in range(0, len(data), 16):
            chunk = data[off:off + 16]
            hexes = " ".join("%02X" % b for b in chunk)
            if len(chunk) > 8:
                hexes = hexes[:23] + "-" + hexes[24:]
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
            out.append(pre + "%08X : %-47s : %s" % (off, hexes, text))
        out.append(pre + f"Exiting Socket#21454193::{kind}() \t-> Int32#{len(data)}")
    return "\n".join(out) + "\n"


def sendmail_v(scen):
    """`sendmail -v` delivery output: commands after `>>> `, replies bare (sendmail's usrerr/
    nmessage verbose transcript)."""
    out = ["c@d.example... Connecting to [192.0.2.25] via relay..."]
    conv = conversation(scen)
    if scen == "seed":
        # Sendmail is a strict client: STARTTLS on line 1 is no offer, it goes on in plaintext.
        conv = [c for c in conversation("absent") if c[1] not in REPLIES["absent"]]
        conv[2:2] = [("S", l) for l in REPLIES["seed"]]
    for d, l in conv:
        if d == "TLS":
            continue
        out.append((">>> " if d == "C" else "") + l)
    out.append("c@d.example... Sent (Ok: queued)")
    out.append("Closing connection to [192.0.2.25]")
    return "\n".join(out) + "\n"


def main():
    expect = {}

    def exp(name, scen=None, exit=None, starttls=None, findings=None, fmt=None, bytes_judged=None):
        rules = {
            "seed": (3, "greeting-only", ["invalid-ehlo-keyword", "starttls-in-greeting"]),
            "correct": (0, "ehlo-line", []),
            "absent": (3, "absent", ["starttls-not-offered"]),
            "incomplete": (4, None, ["paste-incomplete"]),
        }
        e, s, f = rules[scen]
        entry = {"exit": e if exit is None else exit,
                 "starttls": s if starttls is None else starttls,
                 "findings": sorted(f if findings is None else findings)}
        if fmt:
            entry["format"] = fmt
        if bytes_judged is not None:
            entry["bytes_judged"] = bytes_judged
        expect[name] = entry

    for scen in SCENS:
        n = f"doc-postfix-smtp-log-{scen}.txt"; write(n, postfix_smtp(scen)); exp(n, scen, fmt="postfix-log")
        n = f"doc-thunderbird-{scen}.txt"; write(n, thunderbird(scen)); exp(n, scen, fmt="thunderbird")
        n = f"doc-exchange-send-csv-{scen}.txt"; write(n, exchange_send(scen)); exp(n, scen, fmt="exchange")
        n = f"doc-exchange-send-tsv-{scen}.txt"; write(n, exchange_send(scen, "\t")); exp(n, scen, fmt="exchange")
        n = f"doc-dotnet-trace-{scen}.txt"; write(n, dotnet(scen)); exp(n, scen, fmt="dotnet-trace", bytes_judged=True)
        n = f"doc-sendmail-v-{scen}.txt"; write(n, sendmail_v(scen)); exp(n, scen, fmt="generic")
    for scen in ["correct", "absent"]:
        # Postfix's smtpd never sends STARTTLS on line 1: no seed case for it.
        n = f"doc-postfix-smtpd-log-{scen}.txt"; write(n, postfix_smtpd(scen)); exp(n, scen, fmt="postfix-log")
    n = "doc-exchange-receive-joined.txt"; write(n, exchange_receive()); exp(n, "incomplete", fmt="exchange")

    # Real samples and their expectations (from the scenario; per-tool rules below).
    for f in sorted(os.listdir(DIR)):
        if not f.endswith(".txt") or f.startswith(("doc-", "dec-")):
            continue
        scen = f[:-4].rsplit("-", 1)[1]
        if scen not in SCENS:
            continue
        tool = f[:-4].rsplit("-", 1)[0]
        fmt = {"swaks": "swaks", "openssl": "openssl", "openssl-debug": "openssl",
               "openssl-msg": "openssl", "posttls-finger": "posttls-finger",
               "posttls-finger-grep-color": "posttls-finger", "smtplib-debug1": "python-smtplib",
               "smtplib-debug2": "python-smtplib", "curl": "curl", "msmtp": "msmtp",
               "socat": "socat", "nc": "generic", "phpmailer-debug2": "phpmailer",
               "phpmailer-debug4": "phpmailer", "phpmailer-html": "phpmailer",
               "exim-v": "exim", "exim-d": "exim",
               "smtp-tls-check-transcript": "smtp-tls-check-transcript"}.get(tool)
        # Formats that keep the server's line ends (hex dumps, Python literals, socat's \\r).
        kept = tool in ("openssl-debug", "smtplib-debug1", "smtplib-debug2", "socat")
        if tool in ("openssl", "openssl-msg"):
            # openssl never prints the plaintext EHLO reply: no verdict is possible.
            exp(f, "incomplete", fmt=fmt)
        else:
            exp(f, scen, fmt=fmt, bytes_judged=kept)

    # Decoding variants of real samples.
    for scen in SCENS:
        src = read(f"swaks-{scen}.txt")
        n = f"dec-utf16le-bom-swaks-{scen}.txt"
        write(n, b"\xff\xfe" + src.decode().encode("utf-16-le")); exp(n, scen, fmt="swaks")
        src = read(f"posttls-finger-{scen}.txt")
        n = f"dec-utf16be-nobom-posttls-finger-{scen}.txt"
        write(n, src.decode().encode("utf-16-be")); exp(n, scen, fmt="posttls-finger")
        src = read(f"nc-{scen}.txt")
        n = f"dec-utf8-bom-crlf-nc-{scen}.txt"
        write(n, b"\xef\xbb\xbf" + src.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")); exp(n, scen, fmt="generic")
        # A ticket from a web page: NBSP indentation, S:/C: labels, annotations.
        lines = [BANNER, "EHLO ESA.com"] + REPLIES[scen]
        t = "\n".join("\u00a0\u00a0" + ("C:\u00a0" if l.startswith("EHLO") else "S:\u00a0") + l for l in lines)
        n = f"dec-nbsp-ticket-{scen}.txt"; write(n, t + "\n"); exp(n, scen, fmt="generic")
        src = read(f"curl-{scen}.txt").decode()
        n = f"dec-markdown-fence-curl-{scen}.txt"
        write(n, "Here is what curl shows:\n\n```\n" + src + "```\n\nAny idea?\n"); exp(n, scen, fmt="curl")
        n = f"dec-markdown-backticks-{scen}.txt"
        write(n, "\n".join("`" + l + "`" for l in [BANNER, "EHLO ESA.com"] + REPLIES[scen]) + "\n"); exp(n, scen, fmt="generic")
        src = read(f"swaks-{scen}.txt").decode()
        n = f"dec-email-quoted-swaks-{scen}.txt"
        write(n, "".join("> " + l + "\n" for l in src.splitlines())); exp(n, scen, fmt="swaks")
        # Quoted-printable body of a forwarded ticket: lines wrapped at 40 with soft breaks.
        text = ["Captured with smtp_debug=3D2 by the customer:"] + [BANNER, "EHLO ESA.com"] + REPLIES[scen]
        qp = []
        for l in text:
            while len(l) > 40:
                qp.append(l[:40] + "=")
                l = l[40:]
            qp.append(l)
        n = f"dec-quoted-printable-{scen}.txt"; write(n, "\n".join(qp) + "\n"); exp(n, scen, fmt="generic")
        # One JSON log line holding the reply with literal \r\n escapes: line ends are kept.
        js = json.dumps({"level": "debug", "msg": "smtp reply", "data": "\r\n".join(REPLIES[scen]) + "\r\n"})
        n = f"dec-literal-crlf-json-{scen}.txt"; write(n, js + "\n"); exp(n, scen, fmt="generic", bytes_judged=True)
        # The silent mis-parse: an unknown prefix on the reply's first line only.
        first, *rest = REPLIES[scen]
        n = f"dec-unknown-prefix-first-line-{scen}.txt"
        write(n, "\n".join([BANNER, "EHLO ESA.com", "Nov 30 16:27:53 gw proxy[77]: " + first] + rest) + "\n"); exp(n, scen, fmt="generic")
        # The reply pasted into a one-line field (a ticket form, a chat message).
        n = f"dec-joined-one-line-{scen}.txt"
        write(n, "\n".join([BANNER, "EHLO ESA.com", " ".join(REPLIES[scen])]) + "\n"); exp(n, scen, fmt="generic")
        # A long ehlo-line wrapped by a mail client: the tail is reported, not read as SMTP.
        long_line = "250-XCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR"
        wrapped = REPLIES[scen][:2] + [long_line[:44], long_line[44:]] + REPLIES[scen][2:]
        n = f"dec-wrapped-long-line-{scen}.txt"
        write(n, "\n".join([BANNER, "EHLO ESA.com"] + wrapped) + "\n"); exp(n, scen, fmt="generic")
        # Two sessions pasted one after the other: the first one is diagnosed.
        other = "absent" if scen != "absent" else "seed"
        n = f"dec-two-sessions-swaks-{scen}.txt"
        write(n, read(f"swaks-{scen}.txt") + b"\n" + read(f"swaks-{other}.txt")); exp(n, scen, fmt="swaks")

    # Pastes that cannot support a verdict.
    seed = REPLIES["seed"]
    n = "dec-unknown-prefix-inside-reply.txt"
    write(n, "\n".join([seed[0], seed[1], "[gw-7] relay: " + seed[2]] + seed[3:]) + "\n"); exp(n, "incomplete", fmt="generic")
    n = "dec-wrapped-starttls-refused.txt"
    write(n, "\n".join([BANNER, "EHLO ESA.com", "250-mail.domain1.com Hello client.example [192.0.2.9], pleased to", "meet you STARTTLS", "250 SIZE 30000000"]) + "\n"); exp(n, "incomplete", fmt="generic")
    n = "dec-fragment-last-line.txt"; write(n, "250 SIZE 30000000\n"); exp(n, "incomplete", fmt="generic")
    n = "dec-fragment-tail.txt"; write(n, "250-PIPELINING\n250-HELP\n250 SIZE 30000000\n"); exp(n, "incomplete", fmt="generic")
    n = "dec-cut-inside-reply.txt"
    write(n, "\n".join([BANNER, "EHLO ESA.com"] + seed[:4]) + "\n"); exp(n, "incomplete", fmt="generic")
    n = "dec-only-inside-tls-swaks.txt"
    src = read("swaks-correct.txt").decode().splitlines()
    cut = next(i for i, l in enumerate(src) if "TLS started" in l)
    write(n, "\n".join(src[cut:]) + "\n"); exp(n, "incomplete", fmt="swaks")

    with open(os.path.join(DIR, "expect.json"), "w") as f:
        json.dump(expect, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{len(expect)} samples in the manifest")


main()
