//! The session engine fed arbitrary server bytes over an in-memory stream: whatever arrives,
//! the session ends (within its deadline) with a record that diagnosis turns into a verdict,
//! and no finding carries a raw control character.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use proptest::prelude::*;
use rustls::pki_types::ServerName;
use smtp_tls_check::diagnose::{session_report, DiagnoseContext};
use smtp_tls_check::model::{Mode, TargetSection};
use smtp_tls_check::session::{
    run_session, SessionConfig, SessionLimits, Timeouts, TlsPlan, TlsTarget,
};
use smtp_tls_check::tls::{TestCa, TlsVersions, TrustAnchors};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One piece of what the server sends: the RFC 5321 alphabet, so the input gets past the
/// tokenizer, and noise, so it also does not.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    let words: &[&[u8]] = &[
        b"220 ",
        b"220-",
        b"250-",
        b"250 ",
        b"250 STARTTLS",
        b"STARTTLS",
        b"\r\n",
        b"\n",
        b"\r",
        b"220 mx.test ESMTP\r\n",
        b"250-mx.test\r\n250 STARTTLS\r\n",
        b"220 go ahead\r\n",
        b"421 4.3.2 bye\r\n",
        b"554 no\r\n",
        b"502 what\r\n",
        b"\x1b[31m",
        b"\xff\xfe",
        // A TLS record header, then whatever.
        b"\x16\x03\x03\x00\x30",
        b"\x15\x03\x03\x00\x02\x02\x28",
    ];
    let word = prop::sample::select(words.to_vec()).prop_map(<[u8]>::to_vec);
    prop_oneof![
        6 => word,
        2 => prop::collection::vec(any::<u8>(), 0..48),
        1 => (1usize..700).prop_map(|n| vec![b'x'; n]),
    ]
}

/// The server's whole output, in the writes it is sent as.
fn script() -> impl Strategy<Value = (Vec<Vec<u8>>, bool, u8)> {
    (
        prop::collection::vec(prop::collection::vec(fragment(), 1..6), 0..10)
            .prop_map(|writes| writes.into_iter().map(|w| w.concat()).collect()),
        // Hang at the end instead of closing (one case in eight).
        prop::bool::weighted(0.125),
        // Which TLS plan.
        0u8..3,
    )
}

struct Tls {
    anchors: TrustAnchors,
}

impl Tls {
    fn new() -> Self {
        let ca = TestCa::new("engine proptest CA").expect("CA");
        Tls {
            anchors: TrustAnchors::from_ders(vec![ca.cert_der()]).expect("anchors"),
        }
    }

    fn plan(&self, which: u8) -> TlsPlan {
        if which == 0 {
            return TlsPlan::None;
        }
        let (config, verifier) = self.anchors.connection_config(TlsVersions::Both);
        let target = TlsTarget {
            config,
            verifier,
            server_name: ServerName::try_from("mx.test").expect("name"),
            versions: TlsVersions::Both,
        };
        TlsPlan::Starttls {
            target,
            force: which == 2,
        }
    }
}

fn has_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() || c == '\u{202e}')
}

fn run_one(tls: &Tls, writes: Vec<Vec<u8>>, hang: bool, which: u8) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let timeouts = Timeouts {
        connect: Duration::from_millis(200),
        step: Duration::from_millis(200),
        overall: Duration::from_millis(600),
    };
    let cfg = SessionConfig {
        helo: "probe.test".to_string(),
        tls: tls.plan(which),
        limits: SessionLimits {
            reply: smtp_grammar_limits(),
            max_session_bytes: 8 * 1024,
        },
        timeouts,
        transcript: true,
        extra: Default::default(),
    };
    let started = Instant::now();
    let record = runtime.block_on(async {
        let (client, mut server) = tokio::io::duplex(16 * 1024);
        let feeder = tokio::spawn(async move {
            for w in writes {
                if server.write_all(&w).await.is_err() {
                    return;
                }
                tokio::task::yield_now().await;
            }
            if hang {
                // Read and drop whatever the client says until it goes away.
                let mut sink = [0u8; 1024];
                while let Ok(n) = server.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            }
        });
        let deadline = started + timeouts.overall;
        let record = run_session(client, &cfg, started, deadline).await;
        feeder.abort();
        record
    });
    let took = started.elapsed();
    prop_assert!(
        took < timeouts.overall + Duration::from_secs(1),
        "took {took:?}"
    );
    let ctx = DiagnoseContext {
        tls_name: "mx.test".to_string(),
        warn_days: 21,
        verify_enabled: true,
        trust_anchors: "test".to_string(),
        tls_skipped: which == 0,
        now: SystemTime::now(),
        clients: Default::default(),
    };
    let target = TargetSection {
        input: "mx.test".to_string(),
        host: "mx.test".to_string(),
        port: 25,
        tls_name: "mx.test".to_string(),
        implicit_tls: false,
        address: None,
        attempts: Vec::new(),
    };
    let report = session_report(&record, &ctx, target, Mode::Probe);
    // A verdict, and one of the documented exit codes (2 is for usage errors only).
    prop_assert!([0, 1, 3, 4].contains(&report.exit_status().code()));
    if report.findings.is_empty() {
        prop_assert_eq!(report.exit_status().code(), 0);
    }
    if record.error.is_some() {
        prop_assert!(
            !report.findings.is_empty(),
            "a stopped session has a finding"
        );
    }
    prop_assert!(
        !has_control(&report.summary),
        "summary: {:?}",
        report.summary
    );
    for f in &report.findings {
        for text in [Some(&f.message), f.evidence.as_ref(), f.hint.as_ref()]
            .into_iter()
            .flatten()
        {
            prop_assert!(!has_control(text), "{:?}: {:?}", f.id, text);
        }
    }
    for entry in &record.transcript {
        prop_assert!(!has_control(&entry.text), "transcript: {:?}", entry.text);
    }
    Ok(())
}

fn smtp_grammar_limits() -> smtp_tls_check::smtp_grammar::Limits {
    smtp_tls_check::smtp_grammar::Limits {
        max_line_len: 1024,
        max_lines_per_reply: 32,
        max_reply_bytes: 4096,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn session_always_ends_with_a_verdict((writes, hang, which) in script()) {
        let tls = TLS.with(|t| t.clone());
        run_one(&tls, writes, hang, which)?;
    }
}

thread_local! {
    /// One CA per thread: generating keys for every case would dominate the run time.
    static TLS: Arc<Tls> = Arc::new(Tls::new());
}
