//! `parse`: judges what the paste reader found, or says why the paste cannot be judged.

use smtp_grammar::{Extracted, Paste, PasteError};

use smtp_grammar::ClientSet;

use super::{error_report, parse_report_with};
use crate::model::{Finding, FindingId, InputSection, Mode, Report};

/// The report for a paste. `too_large` is set when the paste was cut at `limit` octets.
pub fn paste_report(paste: &Paste, too_large: Option<u64>, deciding: &ClientSet) -> Report {
    let mut notes = paste.notes.clone();
    if let Some(limit) = too_large {
        notes.insert(
            0,
            format!("the paste is larger than {limit} octets: only the first {limit} were read"),
        );
    }
    let mut report = match &paste.outcome {
        Ok(found) => {
            let extracted = Extracted {
                banner: found.banner.clone(),
                ehlo_command: found.ehlo_command.clone(),
                ehlo_reply: found.ehlo_reply.clone(),
                pasted_with_lf: !found.bytes_kept,
            };
            parse_report_with(&extracted, deciding)
        }
        Err(e) => failure(e, too_large),
    };
    let (reply_lines, bytes_judged) = match &paste.outcome {
        Ok(found) => (found.reply_lines.clone(), found.bytes_kept),
        Err(_) => (Vec::new(), false),
    };
    report.input = Some(InputSection {
        format: paste.format,
        format_name: paste.format_name,
        reply_lines,
        bytes_judged,
        notes,
    });
    report
}

fn failure(e: &PasteError, too_large: Option<u64>) -> Report {
    let (id, message, hint) = match (e, too_large) {
        (PasteError::NoEhloReply | PasteError::Incomplete { .. }, Some(limit)) => (
            FindingId::PasteTooLarge,
            format!("the paste is larger than {limit} octets and no complete EHLO reply was found in its first {limit}"),
            Some("paste only the SMTP conversation, or capture it with `smtp-tls-check --transcript HOST`".to_string()),
        ),
        (PasteError::NoPlaintextReply { why }, _) => (
            FindingId::PasteIncomplete,
            e.to_string(),
            Some(hint_for(why)),
        ),
        (PasteError::Incomplete { .. }, None) => (
            FindingId::PasteIncomplete,
            e.to_string(),
            Some("the paste stops inside the EHLO reply: paste the whole reply, up to its `250 ` line".to_string()),
        ),
        (PasteError::NoEhloReply | PasteError::Reply(_), _) => (FindingId::MalformedReply, e.to_string(), None),
        // `PasteError` is non-exhaustive: anything new cannot support a verdict either.
        _ => (FindingId::PasteIncomplete, e.to_string(), None),
    };
    let mut report = error_report(Mode::Parse, id, message);
    if let (Some(h), Some(f)) = (hint, report.findings.first_mut()) {
        *f = Finding::error(f.id, f.message.clone()).with_hint(h);
    }
    report
}

fn hint_for(why: &str) -> String {
    if why.contains("swaks") {
        "run `smtp-tls-check HOST` (or `swaks --server HOST --quit-after STARTTLS`) and paste its output".to_string()
    } else {
        "paste the conversation from the server's banner to the end of the first EHLO reply"
            .to_string()
    }
}
