//! Hex dumps of the wire: the shared byte-stream reassembly, and .NET's System.Net network
//! trace (`System.Net.Sockets Verbose: 0 : [4468] 00000000 : 32 35 30 2D ... : 250-...`,
//! after `Data from Socket#N::Receive` or `::Send`). A dump keeps every byte, so line ends and
//! trailing white space are judged as sent.

use super::util::{after, contains};
use super::{Family, Line, Piece};

pub(crate) const DOTNET: Family = Family {
    id: "dotnet-trace",
    name: ".NET System.Net network trace",
    detect: |lines| {
        super::util::count(lines, |l| {
            contains(l, b"System.Net") && (dotnet_row(l).is_some() || contains(l, b"Data from"))
        })
    },
    read: read_dotnet,
    refuse: None,
};

/// Reassembles each direction's byte stream into lines; a block that starts with a TLS
/// record header (content type 20-23, version 3.x) means TLS has started.
#[derive(Default)]
pub(crate) struct Streams {
    /// Server bytes not yet ending in LF, and the paste line where they started.
    server: (Vec<u8>, usize),
    client: (Vec<u8>, usize),
    pub(crate) tls: bool,
}

impl Streams {
    /// Adds the bytes of one dump row read (`from_server`) or written, on paste line `no`;
    /// `first` when the row starts a read or write (where a TLS record header can be).
    pub(crate) fn row(
        &mut self,
        from_server: bool,
        bytes: &[u8],
        no: usize,
        first: bool,
        out: &mut Vec<Piece>,
    ) {
        if self.tls || bytes.is_empty() {
            return;
        }
        if first && matches!(bytes, [20..=23, 3, ..]) {
            self.tls = true;
            out.push(Piece::tls(no));
            return;
        }
        let (buf, start) = if from_server {
            &mut self.server
        } else {
            &mut self.client
        };
        for &b in bytes {
            if buf.is_empty() {
                *start = no;
            }
            buf.push(b);
            if b == b'\n' {
                let line = std::mem::take(buf);
                out.push(Piece::text(*start, &line, from_server));
            }
        }
    }

    /// Whatever is left without a final LF.
    pub(crate) fn finish(&mut self, out: &mut Vec<Piece>) {
        for (buf, start) in [&mut self.server, &mut self.client] {
            if !buf.is_empty() {
                out.push(Piece::text(*start, &std::mem::take(buf), true));
            }
        }
    }
}

/// Parses hex octets (`32 35 30 2d` or `32 35-30 2D`) up to the first double space or ` :`.
pub(crate) fn hex_octets(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < s.len() {
        let pair = s.get(i..i + 2).unwrap_or(&[]);
        let v = std::str::from_utf8(pair)
            .ok()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        let Some(v) = v else { break };
        out.push(v);
        i += 2;
        match s.get(i) {
            Some(b' ') if s.get(i + 1) == Some(&b' ') => break,
            Some(b' ' | b'-') => i += 1,
            _ => break,
        }
    }
    out
}

/// The octets of a .NET dump row: `... [4468] 00000000 : 32 35 ... : ascii`.
fn dotnet_row(l: &[u8]) -> Option<Vec<u8>> {
    let rest = after(l, b"] ")?;
    let offset_len = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if offset_len != 8 {
        return None;
    }
    let hex = rest.get(offset_len..)?.strip_prefix(b" : ")?;
    let octets = hex_octets(hex);
    (!octets.is_empty()).then_some(octets)
}

fn read_dotnet(lines: &[Line], _notes: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut streams = Streams::default();
    let mut from_server = true;
    let mut first = true;
    for line in lines {
        let l = &line.text;
        if let Some(bytes) = dotnet_row(l) {
            streams.row(from_server, &bytes, line.no, first, &mut out);
            first = false;
            continue;
        }
        if contains(l, b"Data from ") {
            from_server = contains(l, b"::Receive");
            first = true;
        } else if contains(l, b"SecureChannel") || contains(l, b"SslStream") {
            if !streams.tls {
                streams.tls = true;
                out.push(Piece::tls(line.no));
            }
        } else if contains(l, b"Socket#") && contains(l, b"::Connect") {
            out.push(Piece::session(line.no));
        }
        out.push(Piece::text(line.no, &[], false));
    }
    streams.finish(&mut out);
    out
}
