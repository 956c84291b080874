//! Real delivery through an SMTP server, with lettre's pooled async transport.
//!
//! Everything that can be checked without the network is checked in [`SmtpMailer::new`]: the
//! sender address, the CA file, the TLS settings. The transport itself is built on the first
//! send, because lettre's connection pool spawns a Tokio task and `new` may run before the
//! runtime does.
//!
//! Connections are pooled and reused, and at most [`MAX_IN_FLIGHT`] transactions run at once, so
//! a mass reset cannot open hundreds of connections to the relay. On loopback one connection
//! carries only about 20 messages a second with lettre (about 45 ms each: it writes the body and
//! the final dot separately and leaves Nagle's algorithm on); with [`MAX_IN_FLIGHT`] sends
//! running at once it was about 120 a second. Callers sending many messages should therefore
//! keep several `send`s running at once.
//!
//! lettre bounds only the TCP connect by its timeout; a server that accepts and then stays
//! silent would hold a send forever. Each transaction therefore runs under the configured
//! timeout as a whole. A transaction cut off mid-way may leave its connection out of step with
//! the server, so after a timeout the whole pool is dropped and the next send starts afresh.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use latchkey_config::{SmtpConfig, SmtpSecurity};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use tokio::sync::Semaphore;

use crate::{NotifyError, OutgoingMessage};

/// How many SMTP transactions (and so connections) one mailer runs at once.
pub const MAX_IN_FLIGHT: usize = 10;

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Sends messages through one SMTP server. Cheap to clone: clones share the connection pool
/// and the limit on transactions in flight.
#[derive(Clone)]
pub struct SmtpMailer {
    inner: Arc<Inner>,
}

struct Inner {
    builder: AsyncSmtpTransportBuilder,
    /// Built on first use; dropped after a timeout (see the module docs).
    transport: Mutex<Option<Transport>>,
    in_flight: Semaphore,
    from: Mailbox,
    server: String,
    security: SmtpSecurity,
    timeout: Duration,
}

impl std::fmt::Debug for SmtpMailer {
    // Written by hand so no credential can ever reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = &self.inner;
        f.debug_struct("SmtpMailer")
            .field("server", &inner.server)
            .field("security", &inner.security)
            .field("from", &inner.from.to_string())
            .field("timeout", &inner.timeout)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// Checks `config` and prepares the transport. Fails on a sender that is not one valid
    /// mailbox, an unreadable or empty `ca_file`, or TLS settings rustls refuses.
    pub fn new(config: &SmtpConfig) -> Result<SmtpMailer, NotifyError> {
        let from = parse_from(&config.from)?;
        let server = format!("{}:{}", config.host, config.port);
        let timeout = config.timeout();

        let mut builder = Transport::builder_dangerous(config.host.as_str())
            .port(config.port)
            .timeout(Some(timeout))
            .pool_config(PoolConfig::new().max_size(u32::try_from(MAX_IN_FLIGHT).unwrap_or(10)));
        builder = match config.security {
            SmtpSecurity::StartTls => builder.tls(Tls::Required(tls_parameters(config)?)),
            SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls_parameters(config)?)),
            SmtpSecurity::Plaintext => builder.tls(Tls::None),
        };
        if let (Some(username), Some(password)) = (&config.username, &config.password) {
            // Declassified here because lettre keeps credentials as plain strings; its
            // `Credentials` prints nothing in `Debug`.
            let password = password.expose_secret().to_owned();
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }

        let inner = Inner {
            builder,
            transport: Mutex::new(None),
            in_flight: Semaphore::new(MAX_IN_FLIGHT),
            from,
            server,
            security: config.security,
            timeout,
        };
        Ok(SmtpMailer {
            inner: Arc::new(inner),
        })
    }

    /// `host:port` of the server.
    pub fn server(&self) -> &str {
        &self.inner.server
    }

    /// Sends one message and waits for the server to accept it.
    ///
    /// Waits for a free slot first (at most [`MAX_IN_FLIGHT`] at once); the configured timeout
    /// then covers the whole transaction, connecting included.
    pub async fn send(&self, message: &OutgoingMessage) -> Result<(), NotifyError> {
        self.inner.send(message).await
    }
}

impl Inner {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), NotifyError> {
        let email = self.build_email(message)?;
        let _slot = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| self.unavailable("the mailer is shutting down".into()))?;
        let transport = self.transport();
        match tokio::time::timeout(self.timeout, transport.send(email)).await {
            Ok(Ok(_response)) => {
                tracing::debug!(server = %self.server, kind = message.kind.as_str(), "mail sent");
                Ok(())
            }
            Ok(Err(err)) => Err(self.classify(&err)),
            Err(_elapsed) => {
                self.drop_pool();
                Err(self.unavailable(format!(
                    "no complete answer within {} s",
                    self.timeout.as_secs_f32()
                )))
            }
        }
    }

    fn build_email(&self, message: &OutgoingMessage) -> Result<Message, NotifyError> {
        message.validate()?;
        let to: Address = message
            .to
            .trim()
            .parse()
            .map_err(|_| NotifyError::InvalidMessage {
                field: "recipient",
                problem: "is not an email address",
            })?;
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(message.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(without_final_newline(&message.body_text).to_owned())
            .map_err(|err| NotifyError::Config(format!("could not build the message: {err}")))
    }

    fn transport(&self) -> Transport {
        let mut slot = self
            .transport
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert_with(|| self.builder.clone().build())
            .clone()
    }

    fn drop_pool(&self) {
        let old = self
            .transport
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(old);
    }

    fn unavailable(&self, reason: String) -> NotifyError {
        NotifyError::Unavailable {
            server: self.server.clone(),
            reason,
        }
    }

    /// Sorts a lettre error into what an operator can act on.
    fn classify(&self, err: &lettre::transport::smtp::Error) -> NotifyError {
        let server = self.server.clone();
        let reason = first_line(err);
        if let Some(code) = err.status() {
            let code = u16::from(code);
            return if err.is_permanent() {
                NotifyError::Rejected {
                    server,
                    code,
                    reason,
                }
            } else {
                NotifyError::Unavailable {
                    server,
                    reason: format!("temporary failure ({code}): {reason}"),
                }
            };
        }
        if err.is_tls() || is_tls_failure(err) {
            return NotifyError::Tls { server, reason };
        }
        if err.is_client() || err.is_response() {
            if reason.contains("STARTTLS") {
                return NotifyError::Tls { server, reason };
            }
            return NotifyError::Protocol { server, reason };
        }
        NotifyError::Unavailable { server, reason }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // lettre's pool spawns a Tokio task when it is dropped, which panics outside a runtime
        // (e.g. a mailer dropped after `block_on` returned). Then leak it: the process is ending.
        if tokio::runtime::Handle::try_current().is_err()
            && let Some(transport) = self
                .transport
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
        {
            std::mem::forget(transport);
        }
    }
}

/// lettre always ends the data with `CRLF . CRLF`, whose first CRLF ends the last line; a body
/// that already ends in a line break would arrive with an extra empty line.
fn without_final_newline(body: &str) -> &str {
    body.strip_suffix("\r\n")
        .or_else(|| body.strip_suffix('\n'))
        .unwrap_or(body)
}

/// Parses `smtp.from`: exactly one mailbox, `addr@example.com` or `Name <addr@example.com>`.
fn parse_from(from: &str) -> Result<Mailbox, NotifyError> {
    let bad = || {
        NotifyError::Config(format!(
            "smtp.from {from:?} is not one mailbox such as `Latchkey <noreply@example.com>` \
             or `noreply@example.com`"
        ))
    };
    let trimmed = from.trim();
    let mailbox: Mailbox = trimmed.parse().map_err(|_| bad())?;
    // lettre's parser stops after the first mailbox and ignores what follows; insist that the
    // address is the whole value or its `<...>` end.
    let address = mailbox.email.to_string();
    if trimmed != address && !trimmed.ends_with(&format!("<{address}>")) {
        return Err(bad());
    }
    Ok(mailbox)
}

/// TLS settings: the Mozilla roots, plus `ca_file` when set; the certificate must name `host`.
fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, NotifyError> {
    let mut builder = TlsParameters::builder(config.host.clone())
        .certificate_store(CertificateStore::WebpkiRoots);
    if let Some(path) = &config.ca_file {
        let shown = path.display();
        let pem = std::fs::read(path).map_err(|err| {
            NotifyError::Config(format!("cannot read smtp.ca_file {shown}: {err}"))
        })?;
        // lettre accepts a PEM file without any certificate and then trusts nothing extra.
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(NotifyError::Config(format!(
                "smtp.ca_file {shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
            )));
        }
        let cert = Certificate::from_pem(&pem).map_err(|err| {
            NotifyError::Config(format!("smtp.ca_file {shown} is not valid PEM: {err}"))
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|err| NotifyError::Config(format!("TLS settings for smtp.host: {err}")))
}

/// Whether a connection error came from the TLS layer: rustls reports handshake and
/// certificate failures as `InvalidData` I/O errors.
fn is_tls_failure(err: &lettre::transport::smtp::Error) -> bool {
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::InvalidData;
        }
        source = inner.source();
    }
    false
}

/// The error's first line, shortened: enough to diagnose, too short to echo anything large.
fn first_line(err: &lettre::transport::smtp::Error) -> String {
    let text = match std::error::Error::source(err) {
        Some(source) => source.to_string(),
        None => err.to_string(),
    };
    let line = text.lines().next().unwrap_or_default();
    let mut short: String = line.chars().filter(|c| !c.is_control()).take(200).collect();
    if line.chars().count() > 200 {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn config(security: SmtpSecurity) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: 2525,
            security,
            username: Some("latchkey".into()),
            password: Some(SecretString::from("hunter2-password")),
            from: "Latchkey <noreply@example.com>".into(),
            timeout_secs: 5,
            ca_file: None,
        }
    }

    #[test]
    fn the_sender_must_be_one_valid_mailbox() {
        for good in [
            "noreply@example.com",
            "Latchkey <noreply@example.com>",
            " a@b.example ",
        ] {
            parse_from(good).unwrap();
        }
        for bad in [
            "",
            "noreply",
            "noreply@",
            "a@example.com, b@example.com",
            "Latchkey <noreply@example.com> trailing",
        ] {
            let err = parse_from(bad).unwrap_err().to_string();
            assert!(err.contains("is not one mailbox"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn ca_file_problems_are_config_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(SmtpSecurity::StartTls);

        cfg.ca_file = Some(dir.path().join("absent.pem"));
        let err = SmtpMailer::new(&cfg).unwrap_err().to_string();
        assert!(err.contains("cannot read smtp.ca_file"), "{err}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        cfg.ca_file = Some(empty);
        let err = SmtpMailer::new(&cfg).unwrap_err().to_string();
        assert!(err.contains("holds no PEM certificate"), "{err}");

        let broken = dir.path().join("broken.pem");
        std::fs::write(
            &broken,
            "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        cfg.ca_file = Some(broken);
        let err = SmtpMailer::new(&cfg).unwrap_err().to_string();
        assert!(err.contains("is not valid PEM"), "{err}");
    }

    #[test]
    fn debug_output_holds_no_password() {
        let mailer = SmtpMailer::new(&config(SmtpSecurity::Plaintext)).unwrap();
        let shown = format!("{mailer:?}");
        assert!(shown.contains("127.0.0.1:2525"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn a_mailer_dropped_outside_a_runtime_does_not_panic() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mailer = SmtpMailer::new(&config(SmtpSecurity::Plaintext)).unwrap();
        // Builds the pool inside the runtime, as a first send would.
        runtime.block_on(async { drop(mailer.inner.transport()) });
        drop(runtime);
        drop(mailer);
    }
}
