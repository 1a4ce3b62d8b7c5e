//! Perl Net::SMTP (core libnet; TLS through Debian's `libio-socket-ssl-perl`), through
//! tests/lab/clients/net_smtp_send.pl: STARTTLS if `supports('STARTTLS')` is defined (it
//! returns the keyword's parameters, "" for a bare STARTTLS, so a plain truth test never
//! upgrades).

use std::process::Command;

use super::python::lab_saw;
use super::run::{version_line, ClientRun};
use super::{driver, Adapter, Target};

pub(crate) struct PerlNetSmtp;

impl Adapter for PerlNetSmtp {
    fn id(&self) -> &'static str {
        "perl-net-smtp"
    }

    fn how(&self) -> &'static str {
        "tests/lab/clients/net_smtp_send.pl: `new`, `starttls` if `supports('STARTTLS')` is \
         defined, one message"
    }

    fn detect(&self) -> Result<String, String> {
        version_line(
            "perl",
            &[
                "-MNet::SMTP",
                "-MIO::Socket::SSL",
                "-e",
                "print qq{Net::SMTP $Net::SMTP::VERSION (IO::Socket::SSL $IO::Socket::SSL::VERSION)\\n}",
            ],
            "Net::SMTP",
        )
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new("perl");
        c.arg(driver("net_smtp_send.pl"))
            .arg(&t.host)
            .arg(t.port.to_string());
        c
    }

    fn saw_starttls(&self, run: &ClientRun) -> Option<bool> {
        lab_saw(run)
    }
}
