//! Many targets: a streamed list in, one report per target out, under a concurrency bound.
//!
//! Memory stays flat whatever the list's length: the reader takes a permit before it starts a
//! target, and a permit is only given back once that target's report has been handed to the
//! caller. With `ordered`, reports that finished early wait (holding their permit) for the
//! earlier ones, so at most `concurrency` reports ever wait.
//!
//! The list: one target per line (host, `host:port`, IP literal or mail domain); `#` starts a
//! comment; blank lines are skipped. A line that is not a target (too long, not UTF-8, not a
//! name) becomes an `invalid-target` report: a bad line is a result, never the end of the run.

mod auto_shard;

pub use auto_shard::{shard_from_env, AutoShardError, ShardSource};

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use serde::Serialize;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use crate::model::{FindingId, TargetReport, Verdict};
use crate::mx::{invalid_target_bytes, probe_target, DomainOptions};
use crate::probe::ProbeOptions;

/// Longest line taken as a target; longer ones are reported, truncated, as `invalid-target`.
pub const MAX_LINE: usize = 1024;

/// `--shard K/N`: this run takes target lines i (0-based, counting only target lines: not
/// comments or blanks) with `i % N == K - 1`. K is 1-based (1..=N), as in Slurm array and
/// GNU parallel job numbers; Kubernetes' 0-based `JOB_COMPLETION_INDEX` needs `+1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--shard takes K/N with 1 <= K <= N (e.g. 1/4), not {0:?}")]
pub struct ShardError(String);

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ShardError(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let index: u64 = k.trim().parse().map_err(|_| err())?;
        let count: u64 = n.trim().parse().map_err(|_| err())?;
        if count == 0 || index == 0 || index > count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether target line `i` (0-based) belongs to this shard.
    pub fn takes(&self, i: u64) -> bool {
        i % self.count == self.index - 1
    }
}

#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Most targets in flight (and, with `ordered`, waiting) at once.
    pub concurrency: usize,
    /// Print in input order instead of as they finish.
    pub ordered: bool,
    pub shard: Option<Shard>,
    /// `--port` was given: shown in each host target's input.
    pub port_flag: bool,
    /// `--rate`: most targets started per second.
    pub rate: Option<f64>,
}

/// Counts for the end of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Targets reported (this shard's).
    pub targets: u64,
    /// Target lines left to other shards.
    pub other_shards: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// The worst verdict of the run; `None` when the list had no target.
    pub worst: Option<Verdict>,
    /// Targets per verdict (every verdict present, zeros included).
    pub verdicts: BTreeMap<&'static str, u64>,
    /// Targets with at least one finding of each id (a domain counts once per id).
    pub findings: BTreeMap<&'static str, u64>,
}

impl Summary {
    fn new(shard: Option<Shard>) -> Self {
        let verdicts = [Verdict::Ok, Verdict::Warning, Verdict::Fail, Verdict::Error]
            .into_iter()
            .map(|v| (v.as_str(), 0))
            .collect();
        Summary {
            targets: 0,
            other_shards: 0,
            shard: shard.map(|s| s.to_string()),
            worst: None,
            verdicts,
            findings: BTreeMap::new(),
        }
    }

    fn count(&mut self, report: &TargetReport) {
        self.targets += 1;
        let v = report.verdict();
        self.worst = Some(self.worst.map_or(v, |w| w.worst(v)));
        *self.verdicts.entry(v.as_str()).or_insert(0) += 1;
        let mut ids: Vec<FindingId> = report.finding_ids();
        ids.sort();
        ids.dedup();
        for id in ids {
            *self.findings.entry(id.as_str()).or_insert(0) += 1;
        }
    }

    /// The process exit code of the run: the worst verdict's; 0 for an empty list.
    pub fn exit_status(&self) -> crate::model::ExitStatus {
        self.worst.unwrap_or(Verdict::Ok).exit_status()
    }

    /// Several lines for stderr.
    pub fn render_text(&self) -> String {
        let mut out = format!("{} targets", self.targets);
        if let Some(shard) = &self.shard {
            out.push_str(&format!(
                " (shard {shard}; {} in other shards)",
                self.other_shards
            ));
        }
        let verdicts: Vec<String> = self
            .verdicts
            .iter()
            .map(|(v, n)| format!("{v} {n}"))
            .collect();
        out.push_str(&format!(": {}\n", verdicts.join(", ")));
        if !self.findings.is_empty() {
            let mut by_count: Vec<(&&str, &u64)> = self.findings.iter().collect();
            by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let width = by_count.iter().map(|(id, _)| id.len()).max().unwrap_or(0);
            out.push_str("findings (targets with each):\n");
            for (id, n) in by_count {
                out.push_str(&format!("  {id:<width$}  {n}\n"));
            }
        }
        out
    }
}

/// What the reader found on one line.
enum Line {
    Target(String),
    /// The line's bytes as read (escaped once, when reported).
    Bad {
        text: Vec<u8>,
        reason: &'static str,
    },
}

/// Reads one line of at most `max` octets (the rest of a longer line is read and dropped).
/// `None` at end of input; the bool says the line was cut.
async fn next_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    max: usize,
) -> std::io::Result<Option<(Vec<u8>, bool)>> {
    let mut line = Vec::new();
    let mut cut = false;
    let mut any = false;
    loop {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return Ok(any.then_some((line, cut)));
        }
        any = true;
        let newline = buf.iter().position(|&b| b == b'\n');
        let chunk = &buf[..newline.unwrap_or(buf.len())];
        let room = max.saturating_sub(line.len());
        if chunk.len() > room {
            cut = true;
            line.extend_from_slice(&chunk[..room]);
        } else {
            line.extend_from_slice(chunk);
        }
        let used = newline.map_or(buf.len(), |i| i + 1);
        r.consume(used);
        if newline.is_some() {
            return Ok(Some((line, cut)));
        }
    }
}

/// A target line, a bad line, or nothing (blank or comment).
fn classify(raw: &[u8], cut: bool) -> Option<Line> {
    let Ok(text) = std::str::from_utf8(raw) else {
        return Some(Line::Bad {
            text: raw.to_vec(),
            reason: "the line is not UTF-8",
        });
    };
    // `#` never occurs in a host name or address, so everything after it is a comment.
    let target = text.split('#').next().unwrap_or_default().trim();
    if target.is_empty() {
        return None;
    }
    if cut {
        return Some(Line::Bad {
            text: target.as_bytes().to_vec(),
            reason: "the line is too long",
        });
    }
    if target.split_whitespace().nth(1).is_some() {
        return Some(Line::Bad {
            text: target.as_bytes().to_vec(),
            reason: "one target per line",
        });
    }
    Some(Line::Target(target.to_string()))
}

/// Runs every target of `input` (this shard's), calling `emit` with each report: as they finish,
/// or in input order with `ordered`. An error from `emit` (stdout closed) stops the run and is
/// returned; an input error too, after the targets already started have been reported.
pub async fn run_batch<R, F>(
    input: R,
    opts: Arc<ProbeOptions>,
    dopts: Arc<DomainOptions>,
    bopts: &BatchOptions,
    mut emit: F,
) -> std::io::Result<Summary>
where
    R: AsyncBufRead + Unpin + Send + 'static,
    F: FnMut(&TargetReport) -> std::io::Result<()>,
{
    let permits = Arc::new(Semaphore::new(bopts.concurrency.max(1)));
    let (tx, mut rx) = mpsc::unbounded_channel::<(u64, TargetReport, OwnedSemaphorePermit)>();
    let shard = bopts.shard;
    let port_flag = bopts.port_flag;
    let reader_permits = permits.clone();
    // Ticks are spaced evenly; a slow target never lets a burst catch up afterwards.
    let mut ticker = bopts.rate.filter(|r| r.is_finite() && *r > 0.0).map(|r| {
        let mut t = tokio::time::interval(std::time::Duration::from_secs_f64(1.0 / r));
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    });
    let reader = tokio::spawn(async move {
        let mut input = input;
        let mut index = 0u64; // among target lines
        let mut seq = 0u64; // among this shard's
        let mut other = 0u64;
        let mut line_no = 0u64; // physical lines, 1-based, for the user
        while let Some((raw, cut)) = next_line(&mut input, MAX_LINE).await? {
            line_no += 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(&raw);
            let Some(line) = classify(raw, cut) else {
                continue;
            };
            let i = index;
            index += 1;
            if shard.is_some_and(|s| !s.takes(i)) {
                other += 1;
                continue;
            }
            let Ok(permit) = reader_permits.clone().acquire_owned().await else {
                break;
            };
            if let Some(t) = &mut ticker {
                t.tick().await;
            }
            let tx = tx.clone();
            let opts = opts.clone();
            let dopts = dopts.clone();
            let n = seq;
            seq += 1;
            tokio::spawn(async move {
                let report = match line {
                    Line::Target(t) => {
                        match probe_target(&t, &opts, &dopts, port_flag).await {
                            // A line that parses as no target: say which line it was.
                            TargetReport::Host(mut r)
                                if r.findings.first().map(|f| f.id)
                                    == Some(FindingId::InvalidTarget) =>
                            {
                                crate::mx::at_line(&mut r, line_no);
                                TargetReport::Host(r)
                            }
                            other => other,
                        }
                    }
                    Line::Bad { text, reason } => {
                        let mut r = invalid_target_bytes(&text, reason, &opts);
                        crate::mx::at_line(&mut r, line_no);
                        TargetReport::Host(r)
                    }
                };
                // The receiver is gone only when the run was stopped.
                let _ = tx.send((n, report, permit));
            });
        }
        std::io::Result::Ok(other)
    });

    let mut summary = Summary::new(shard);
    let mut waiting: BTreeMap<u64, (TargetReport, OwnedSemaphorePermit)> = BTreeMap::new();
    let mut next = 0u64;
    let mut failed: Option<std::io::Error> = None;
    while let Some((n, report, permit)) = rx.recv().await {
        if !bopts.ordered {
            summary.count(&report);
            if let Err(e) = emit(&report) {
                failed = Some(e);
                break;
            }
            drop(permit);
            continue;
        }
        waiting.insert(n, (report, permit));
        while let Some((report, permit)) = waiting.remove(&next) {
            next += 1;
            summary.count(&report);
            if let Err(e) = emit(&report) {
                failed = Some(e);
                break;
            }
            drop(permit);
        }
        if failed.is_some() {
            break;
        }
    }
    if let Some(e) = failed {
        // Stop reading and starting targets; those in flight end with the runtime.
        permits.close();
        reader.abort();
        return Err(e);
    }
    match reader.await {
        Ok(Ok(other)) => summary.other_shards = other,
        Ok(Err(e)) => return Err(e),
        Err(e) => return Err(std::io::Error::other(e)),
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parses_and_partitions() {
        assert!("0/2".parse::<Shard>().is_err());
        assert!("3/2".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
        let shards: Vec<Shard> = (1..=3)
            .map(|k| format!("{k}/3").parse().expect("shard"))
            .collect();
        for i in 0..30 {
            assert_eq!(shards.iter().filter(|s| s.takes(i)).count(), 1);
        }
    }

    #[test]
    fn comments_blanks_and_bad_lines() {
        assert!(classify(b"", false).is_none());
        assert!(classify(b"   # only a comment", false).is_none());
        assert!(
            matches!(classify(b"mx.example.com # primary", false), Some(Line::Target(t)) if t == "mx.example.com")
        );
        assert!(matches!(classify(b"a b", false), Some(Line::Bad { .. })));
        assert!(matches!(
            classify(b"\xff\xfe", false),
            Some(Line::Bad { .. })
        ));
        assert!(matches!(classify(b"aaaa", true), Some(Line::Bad { .. })));
    }

    #[tokio::test]
    async fn long_lines_are_cut_and_the_rest_dropped() {
        let mut data: &[u8] = b"abcdefgh\nxy\n\nlast";
        let mut lines = Vec::new();
        while let Some(l) = next_line(&mut data, 4).await.expect("read") {
            lines.push(l);
        }
        assert_eq!(
            lines,
            vec![
                (b"abcd".to_vec(), true),
                (b"xy".to_vec(), false),
                (Vec::new(), false),
                (b"last".to_vec(), false)
            ]
        );
    }
}
