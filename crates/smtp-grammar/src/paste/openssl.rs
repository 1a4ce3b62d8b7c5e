//! `openssl s_client -starttls smtp`. Without `-debug` it never prints the plaintext EHLO
//! reply: it reads it itself, and what follows the handshake (often the reply's last line) is
//! a fragment. With `-debug` every read and write is dumped in hex (`read from 0x... (.. bytes
//! => 42 (0x2A))` then `0000 - 32 32 30 20 ...`), which keeps the plaintext bytes exactly until
//! the first TLS record. `-msg` adds TLS messages (`>>> TLS 1.3, Handshake ...`).

use super::hexdump::{hex_octets, Streams};
use super::util::{contains, trim};
use super::{Family, Line, Piece};

pub(crate) const FAMILY: Family = Family {
    id: "openssl",
    name: "openssl s_client",
    detect: |lines| super::util::count(lines, |l| signature(l) || dump_row(l).is_some()),
    read,
    refuse: None,
};

/// Lines only openssl s_client prints.
fn signature(l: &[u8]) -> bool {
    l.starts_with(b"CONNECTED(")
        || l.starts_with(b"depth=")
        || l.starts_with(b"verify return:")
        || l.starts_with(b"verify error:")
        || l.starts_with(b"SSL handshake has read")
        || l.starts_with(b"New, TLS")
        || l.starts_with(b"Verify return code")
        || l.starts_with(b"Certificate chain")
        || l.starts_with(b"read from 0x")
        || l.starts_with(b"write to 0x")
        || l.starts_with(b"<<< TLS")
        || l.starts_with(b">>> TLS")
}

/// What marks the TLS part of the output (the handshake has begun or is done).
fn tls_mark(l: &[u8]) -> bool {
    l.starts_with(b"depth=")
        || l.starts_with(b"verify ")
        || l.starts_with(b"Certificate chain")
        || l.starts_with(b"SSL handshake has read")
        || l.starts_with(b"New, TLS")
        || l.starts_with(b"SSL-Session:")
        || l.starts_with(b"<<< TLS")
        || l.starts_with(b">>> TLS")
        || contains(l, b"Post-Handshake New Session Ticket")
}

/// `0000 - 32 35 30 2d ...   250-...`: the octets of one dump row.
fn dump_row(l: &[u8]) -> Option<Vec<u8>> {
    let off = l.get(..4)?;
    if !off.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let rest = l.get(4..)?.strip_prefix(b" - ")?;
    Some(hex_octets(rest))
}

fn read(lines: &[Line], notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut streams = Streams::default();
    let mut from_server = true;
    let mut first = true;
    let mut dumps = false;
    let mut tls_text = false;
    for line in lines {
        let l = &line.text;
        if let Some(bytes) = dump_row(l) {
            out.push(Piece::text(line.no, &[], false));
            streams.row(from_server, &bytes, line.no, first, &mut out);
            first = false;
            dumps = true;
            continue;
        }
        first = true;
        if l.starts_with(b"read from 0x") {
            from_server = true;
            out.push(Piece::text(line.no, &[], false));
        } else if l.starts_with(b"write to 0x") {
            from_server = false;
            out.push(Piece::text(line.no, &[], false));
        } else if l.starts_with(b"Didn't find STARTTLS") {
            notes.push(format!(
                "line {}: openssl says the server's EHLO reply did not name STARTTLS (openssl looks at every line, the first included); the reply itself is not in the paste",
                line.no
            ));
            out.push(Piece::text(line.no, &[], false));
        } else if l.starts_with(b"CONNECTED(") {
            out.push(Piece::session(line.no));
        } else if tls_mark(l) {
            if !tls_text && !streams.tls {
                out.push(Piece::tls(line.no));
            }
            tls_text = true;
            out.push(Piece::text(line.no, &[], false));
        } else if l.starts_with(b"    ") && l.iter().all(|b| b.is_ascii_hexdigit() || *b == b' ') {
            // `-msg` record bytes.
            out.push(Piece::text(line.no, &[], false));
        } else {
            out.push(Piece::text(line.no, trim(l), false));
        }
    }
    streams.finish(&mut out);
    if dumps {
        notes.push("read the plaintext conversation from openssl's -debug hex dumps".to_string());
    }
    out
}
