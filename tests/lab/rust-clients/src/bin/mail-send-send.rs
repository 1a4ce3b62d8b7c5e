//! Client-lab driver: Stalwart mail-send sends one message. Its `connect()` insists on
//! STARTTLS (it fails with MissingStartTls when it does not see it); the usual opportunistic
//! use, done here, is to fall back to `connect_plain()`. Prints `LAB saw-starttls=yes|no`.
//! Usage: mail-send-send HOST PORT.

use std::time::Duration;

use mail_send::smtp::message::Message;
use mail_send::SmtpClientBuilder;

const BODY: &str = "From: a@lab.test\r\nTo: b@mx.test\r\nSubject: lab\r\n\r\nclient lab\r\n";

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(host), Some(port)) = (args.get(1), args.get(2).and_then(|p| p.parse().ok())) else {
        eprintln!("usage: mail-send-send HOST PORT");
        return std::process::ExitCode::from(2);
    };
    match send(host, port).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("LAB error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn send(host: &str, port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let builder = SmtpClientBuilder::new(host.to_string(), port)?
        .allow_invalid_certs()
        .implicit_tls(false)
        .helo_host("lab.test")
        .timeout(Duration::from_secs(20));
    let message = Message::new("a@lab.test", ["b@mx.test"], BODY.as_bytes());
    match builder.connect().await {
        Ok(mut client) => {
            println!("LAB saw-starttls=yes");
            client.send(message).await?;
            client.quit().await?;
        }
        Err(mail_send::Error::MissingStartTls) => {
            println!("LAB saw-starttls=no");
            let mut client = builder.connect_plain().await?;
            client.send(message).await?;
            client.quit().await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
