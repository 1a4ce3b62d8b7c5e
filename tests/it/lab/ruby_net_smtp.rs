//! Ruby net-smtp (Debian `ruby`, its bundled net-smtp gem): `enable_starttls_auto`, through
//! tests/lab/clients/net_smtp_send.rb.

use std::process::Command;

use super::run::version_line;
use super::{driver, Adapter, Target};

pub(crate) struct RubyNetSmtp;

impl Adapter for RubyNetSmtp {
    fn id(&self) -> &'static str {
        "ruby-net-smtp"
    }

    fn how(&self) -> &'static str {
        "tests/lab/clients/net_smtp_send.rb: `enable_starttls_auto`, `start`, one message"
    }

    fn detect(&self) -> Result<String, String> {
        version_line(
            "ruby",
            &[
                "-rnet/smtp",
                "-e",
                "puts \"net-smtp #{Net::SMTP::VERSION} (ruby #{RUBY_VERSION})\"",
            ],
            "net-smtp",
        )
    }

    fn command(&self, t: &Target) -> Command {
        let mut c = Command::new("ruby");
        c.arg(driver("net_smtp_send.rb"))
            .arg(&t.host)
            .arg(t.port.to_string());
        c
    }
}
