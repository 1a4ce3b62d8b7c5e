//! Where a flag is written matters to clap: an option before a sub-command is the top-level
//! command's, and the sub-command never sees it. Rather than apply it silently to nothing, every
//! such option is refused, whichever it is: the check walks the command's own arguments, so a
//! flag added later is covered without a line here.

use std::ffi::OsString;

use clap::parser::ValueSource;
use clap::{ArgMatches, Command, CommandFactory};

use super::args::Cli;

/// Probe options the demo refuses: its server picks its own port, speaks STARTTLS and has its
/// own CA. Hidden from `demo --help` so that help lists only what the demo accepts.
pub(crate) const DEMO_REFUSED: &[&str] =
    &["port", "implicit_tls", "ca_file", "ca_path", "system_roots"];

/// The command as clap sees it: the derive's, with clap's colours following `--color` and the
/// demo's help trimmed to what it accepts.
pub(crate) fn command(argv: &[OsString]) -> Command {
    Cli::command()
        .color(clap_color(argv))
        .mut_subcommand("demo", |demo| {
            DEMO_REFUSED
                .iter()
                .fold(demo, |d, id| d.mut_arg(*id, |a| a.hide(true)))
        })
}

/// Options of the top-level command given on the command line together with a sub-command:
/// a usage error naming each, and where to write it instead (or why it has no meaning there).
pub(crate) fn check_placement(cmd: &Command, matches: &ArgMatches) -> Result<(), String> {
    let Some((sub_name, _)) = matches.subcommand() else {
        return Ok(());
    };
    let Some(sub) = cmd.find_subcommand(sub_name) else {
        return Ok(());
    };
    let mut misplaced = Vec::new();
    let mut target = None;
    for arg in cmd.get_arguments() {
        // Global options (--json, --color, -v, -q) are propagated by clap: fine anywhere.
        if arg.is_global_set() {
            continue;
        }
        let id = arg.get_id().as_str();
        if matches.value_source(id) != Some(ValueSource::CommandLine) {
            continue;
        }
        if arg.is_positional() {
            target = matches
                .get_raw(id)
                .and_then(|mut v| v.next())
                .map(|v| v.to_string_lossy().into_owned());
            continue;
        }
        let name = match (arg.get_long(), arg.get_short()) {
            (Some(l), _) => format!("--{l}"),
            (None, Some(s)) => format!("-{s}"),
            (None, None) => id.to_string(),
        };
        let known_there = sub.get_arguments().any(|a| a.get_id().as_str() == id);
        let at = matches.index_of(id).unwrap_or(usize::MAX);
        misplaced.push((at, name, known_there));
    }
    if let Some(t) = target {
        return Err(format!(
            "{t:?} is written before the sub-command `{sub_name}`, which takes no TARGET; \
             probe it with `smtp-tls-check {t}`, or run `smtp-tls-check {sub_name} ...` alone"
        ));
    }
    if misplaced.is_empty() {
        return Ok(());
    }
    // In the order written.
    misplaced.sort();
    let (movable, meaningless): (Vec<_>, Vec<_>) = misplaced
        .into_iter()
        .map(|(_, name, known)| (name, known))
        .partition(|(_, k)| *k);
    let list = |v: &[(String, bool)]| {
        v.iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !meaningless.is_empty() {
        return Err(format!(
            "{} has no meaning for `{sub_name}` (see `smtp-tls-check {sub_name} --help`)",
            list(&meaningless)
        ));
    }
    Err(format!(
        "{} must come after the sub-command: `smtp-tls-check {sub_name} {} ...` \
         (options before `{sub_name}` would not apply to it)",
        list(&movable),
        movable[0].0
    ))
}

/// A TARGET that looks like a mistyped sub-command or a word such as `version`: a hint instead
/// of a DNS lookup. Only single-label words are considered (a host name with a dot, a port or an
/// address is never a typo), and `--host` says the word is meant.
pub(crate) fn did_you_mean(cmd: &Command, target: &str) -> Option<String> {
    if target.is_empty() || target.contains(['.', ':', '@', '/', '[']) {
        return None;
    }
    let word = target.to_ascii_lowercase();
    for (w, flag) in [("version", "--version"), ("help", "--help")] {
        if word == w || (word.len() >= 4 && strsim::osa_distance(&word, w) <= 1) {
            return Some(format!(
                "{target:?} is not a sub-command; did you mean `smtp-tls-check {flag}`? \
                 (to probe a host by that name: --host {target})"
            ));
        }
    }
    let best = cmd
        .get_subcommands()
        .map(Command::get_name)
        // `server` is a host name, not `serve` mistyped: a word that extends a sub-command's
        // name is taken as meant.
        .filter(|n| *n != "help" && !word.starts_with(n))
        .map(|n| (strsim::osa_distance(&word, n), n))
        .min()?;
    // One edit (a transposition counts as one): `pars`, `dmeo`, `bacth`. More would catch
    // real single-label host names.
    (best.0 <= 1).then(|| {
        format!(
            "{target:?} is not a sub-command; did you mean `smtp-tls-check {}`? \
             (to probe a host by that name: --host {target})",
            best.1
        )
    })
}

/// clap's own messages (usage errors, help) follow `--color` as the report does. clap itself
/// honours NO_COLOR and CLICOLOR_FORCE under `auto`. Read from the raw arguments: the choice
/// must be made before clap parses them.
pub(crate) fn clap_color(argv: &[OsString]) -> clap::ColorChoice {
    let mut choice = clap::ColorChoice::Auto;
    let mut iter = argv.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = iter.next() {
        if a == "--" {
            break;
        }
        let value = if a == "--color" {
            iter.next().map(|v| v.into_owned())
        } else {
            a.strip_prefix("--color=").map(str::to_string)
        };
        match value.as_deref() {
            Some("never") => choice = clap::ColorChoice::Never,
            Some("always") => choice = clap::ColorChoice::Always,
            Some("auto") => choice = clap::ColorChoice::Auto,
            _ => {}
        }
    }
    choice
}
