//! Client-lab driver: lettre's blocking SmtpTransport sends one message with
//! `Tls::Opportunistic` (STARTTLS if lettre sees it, plaintext otherwise), accepting the test
//! certificate. Usage: lettre-send HOST PORT.

use std::time::Duration;

use lettre::message::Message;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{SmtpTransport, Transport};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(host), Some(port)) = (args.get(1), args.get(2).and_then(|p| p.parse().ok())) else {
        eprintln!("usage: lettre-send HOST PORT");
        return std::process::ExitCode::from(2);
    };
    match send(host, port) {
        Ok(reply) => {
            println!("LAB sent: {reply}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("LAB error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn send(host: &str, port: u16) -> Result<String, Box<dyn std::error::Error>> {
    let tls = TlsParameters::builder(host.to_string())
        .dangerous_accept_invalid_certs(true)
        .dangerous_accept_invalid_hostnames(true)
        .build()?;
    let mailer = SmtpTransport::builder_dangerous(host)
        .port(port)
        .tls(Tls::Opportunistic(tls))
        .hello_name(ClientId::Domain("lab.test".into()))
        .timeout(Some(Duration::from_secs(20)))
        .build();
    let message = Message::builder()
        .from("a@lab.test".parse()?)
        .to("b@mx.test".parse()?)
        .subject("lab")
        .body(String::from("client lab"))?;
    let response = mailer.send(&message)?;
    Ok(response.message().collect::<Vec<_>>().join(" "))
}
