//! EHLO replies parsed per second: the reply reader plus the EHLO interpretation and the
//! client view, on a typical reply and on the seeds' broken one.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smtp_grammar::{client_view, interpret_ehlo, parse_reply, Limits, ReplyReader};

const TYPICAL: &[u8] = b"250-mx.example.com Hello client.example.net [192.0.2.7]\r\n\
250-SIZE 52428800\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-CHUNKING\r\n\
250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n";

const SEEDS_BROKEN: &[u8] = b"250-STARTTLS\r\n250-mail.domain1.com\r\n250-8BITMIME\r\n\
250-PIPELINING\r\n250-HELP\r\n250-DELIVERBY 300\r\n250 SIZE 30000000\r\n";

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("ehlo");
    for (name, input) in [("typical", TYPICAL), ("seeds-broken", SEEDS_BROKEN)] {
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("parse+interpret/{name}"), |b| {
            b.iter(|| {
                let reply = parse_reply(std::hint::black_box(input), Limits::default());
                if let Ok(reply) = reply {
                    let _ = std::hint::black_box(interpret_ehlo(&reply));
                }
            })
        });
        group.bench_function(format!("full-diagnosis/{name}"), |b| {
            b.iter(|| {
                if let Ok(reply) = parse_reply(std::hint::black_box(input), Limits::default()) {
                    let _ = std::hint::black_box(interpret_ehlo(&reply));
                    std::hint::black_box(client_view(&reply));
                }
            })
        });
    }
    // The worst case for an incremental reader: one octet per TCP segment.
    group.bench_function("one-octet-at-a-time/typical", |b| {
        b.iter(|| {
            let mut reader = ReplyReader::new(Limits::default());
            for byte in TYPICAL.chunks(1) {
                reader.push(byte);
                if let Ok(Some(reply)) = reader.next_reply() {
                    std::hint::black_box(reply);
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
