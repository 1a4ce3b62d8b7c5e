//! The lab's scenarios: one EHLO reply each, after the greeting `220 mx.test ESMTP lab`.
//! Each isolates one way servers send (or mangle) STARTTLS, so the matrix shows which reading
//! rule each real client applies.

pub(crate) struct Scenario {
    /// Short id: a column of the README matrix and the name in failure messages.
    pub(crate) id: &'static str,
    /// What the scenario is, in words (the README legend).
    pub(crate) about: &'static str,
    /// The reply to EHLO, as sent.
    pub(crate) ehlo: Vec<u8>,
}

fn s(id: &'static str, about: &'static str, ehlo: &str) -> Scenario {
    Scenario {
        id,
        about,
        ehlo: ehlo.as_bytes().to_vec(),
    }
}

/// Octets of the long line, CRLF included: RFC 5321 4.5.3.1.5 sets 512 for a reply line;
/// clients that allow more than that differ in how much.
const LONG_LINE: usize = 2000;

/// Every scenario, in matrix order.
pub(crate) fn all() -> Vec<Scenario> {
    let filler = "a".repeat(LONG_LINE - "250-X-LONG \r\n".len());
    let long = format!("250-mx.test\r\n250-X-LONG {filler}\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
    vec![
        s(
            "seed",
            "the seeds' case: `250-STARTTLS` as line 1, the server's name on line 2",
            "250-STARTTLS\r\n250-mx.test\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SIZE 30000000\r\n",
        ),
        s(
            "single",
            "a single-line reply `250 STARTTLS` (the keyword in the domain's place)",
            "250 STARTTLS\r\n",
        ),
        s(
            "greet+1",
            "the server's name, then `250 STARTTLS` as the only ehlo-line",
            "250-mx.test\r\n250 STARTTLS\r\n",
        ),
        s(
            "last",
            "STARTTLS as the last of several ehlo-lines",
            "250-mx.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 STARTTLS\r\n",
        ),
        s(
            "lower",
            "`250-starttls` in lower case (legal: RFC 5321 2.4)",
            "250-mx.test\r\n250-starttls\r\n250 8BITMIME\r\n",
        ),
        s(
            "mixed",
            "`250-StartTLS` in mixed case",
            "250-mx.test\r\n250-StartTLS\r\n250 8BITMIME\r\n",
        ),
        s(
            "trail-sp",
            "`250-STARTTLS ` with a trailing space",
            "250-mx.test\r\n250-STARTTLS \r\n250 8BITMIME\r\n",
        ),
        s(
            "param",
            "`250-STARTTLS REQUIRED`: a parameter after the keyword",
            "250-mx.test\r\n250-STARTTLS REQUIRED\r\n250 8BITMIME\r\n",
        ),
        s(
            "STARTTLSX",
            "`250-STARTTLSX`: another keyword that starts with STARTTLS",
            "250-mx.test\r\n250-STARTTLSX\r\n250 8BITMIME\r\n",
        ),
        s(
            "X-STARTTLS",
            "`250-X-STARTTLS`: another keyword that ends with STARTTLS",
            "250-mx.test\r\n250-X-STARTTLS\r\n250 8BITMIME\r\n",
        ),
        s(
            "in-greet",
            "STARTTLS only inside line 1's greeting text, not as a keyword",
            "250-mx.test ESMTP offers STARTTLS\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n",
        ),
        s(
            "251-last",
            "mixed reply codes: `250-STARTTLS`, then a last line `251 8BITMIME`",
            "250-mx.test\r\n250-STARTTLS\r\n251 8BITMIME\r\n",
        ),
        s(
            "bare-LF",
            "a compliant reply with bare LF line ends",
            "250-mx.test\n250-STARTTLS\n250 8BITMIME\n",
        ),
        Scenario {
            id: "long",
            about: "a 2000-octet ehlo-line before `250-STARTTLS`",
            ehlo: long.into_bytes(),
        },
        s(
            "masked",
            "STARTTLS masked by a firewall as `250-XXXXXXXA`",
            "250-mx.test\r\n250-XXXXXXXA\r\n250 8BITMIME\r\n",
        ),
        s(
            "absent",
            "no STARTTLS at all",
            "250-mx.test\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n",
        ),
        s(
            "ok",
            "compliant: the server's name, then STARTTLS among the ehlo-lines",
            "250-mx.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
        ),
    ]
}
