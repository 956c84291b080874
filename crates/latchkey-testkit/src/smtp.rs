//! A real SMTP server on 127.0.0.1 that keeps every message it receives.
//!
//! [`SmtpSink`] runs Python's `aiosmtpd` (Debian package `python3-aiosmtpd`, used with Debian's
//! `/usr/bin/python3`, not whatever `python3` is first on `PATH`) with its `Mailbox` handler,
//! which stores each accepted message as a file in a Maildir. [`SmtpSink::messages`] reads them
//! back decoded (headers, quoted-printable, base64) with `mail-parser`.
//!
//! Three flavours: plain ([`SmtpSink::start`]), STARTTLS required before `MAIL FROM`
//! ([`SmtpSink::start_with_tls`]) and TLS from the first byte ([`SmtpSink::start_with_smtps`]).
//! The TLS ones use a throwaway CA made with `openssl` in the temp dir; clients trust
//! [`SmtpSink::ca_pem_path`]. The server certificate is a leaf (`CA:FALSE`) signed by that CA and
//! names `127.0.0.1` and `localhost`, because rustls refuses a self-signed CA as a server
//! certificate. [`SmtpSink::stop`] and [`SmtpSink::start_again`] take the server away and bring it
//! back on the same port, with the mail received so far kept.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use tempfile::TempDir;

use crate::error::{Result, TestkitError};
use crate::process::{self, NotReady, Signal, Watchdog};

/// Debian's interpreter, the one `python3-aiosmtpd` installs into.
const PYTHON: &str = "/usr/bin/python3";
/// How to install the sink on Debian/Ubuntu.
const INSTALL: &str = "apt-get install python3-aiosmtpd";
const START_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_GRACE: Duration = Duration::from_secs(5);
const PORT_ATTEMPTS: usize = 3;
/// Extensions of the server certificate: a leaf for 127.0.0.1 and localhost.
const LEAF_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
                        extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n";

/// How clients must talk to the sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Security {
    Plain,
    StartTls,
    Smtps,
}

/// A message the sink accepted, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The address in the `From` header.
    pub from: String,
    /// The addresses in the `To` header.
    pub to: Vec<String>,
    /// The envelope recipients (`RCPT TO`), which include Bcc recipients.
    pub envelope_to: Vec<String>,
    /// The decoded `Subject`.
    pub subject: String,
    /// The decoded text body, line endings normalized to `\n`.
    pub body: String,
    /// The message as stored, for checks on headers and encodings.
    pub raw: String,
}

/// An `aiosmtpd` server owned by this test, listening on 127.0.0.1.
///
/// Dropping it stops the server and deletes its directory.
#[derive(Debug)]
pub struct SmtpSink {
    security: Security,
    maildir: PathBuf,
    log: PathBuf,
    pid_file: PathBuf,
    port: u16,
    child: Mutex<Option<Child>>,
    /// Dropped after `Drop` stopped the server; see [`crate::PgCluster`] for the order.
    dir: TempDir,
    _watchdog: Watchdog,
}

impl SmtpSink {
    /// Starts a plain SMTP sink (no TLS, no AUTH) on a free port and waits for its greeting.
    pub fn start() -> Result<Self> {
        Self::start_as(Security::Plain)
    }

    /// Starts a sink that offers STARTTLS and refuses mail until the client has used it.
    pub fn start_with_tls() -> Result<Self> {
        Self::start_as(Security::StartTls)
    }

    /// Starts a sink that speaks TLS from the first byte (SMTPS, "implicit TLS").
    pub fn start_with_smtps() -> Result<Self> {
        Self::start_as(Security::Smtps)
    }

    fn start_as(security: Security) -> Result<Self> {
        if !process::is_executable(Path::new(PYTHON)) {
            return Err(missing_aiosmtpd());
        }
        let dir = tempfile::Builder::new()
            .prefix("latchkey-smtp-")
            .tempdir()
            .map_err(TestkitError::io("creating the SMTP sink temp dir"))?;
        let maildir = dir.path().join("maildir");
        for sub in ["tmp", "new", "cur"] {
            // aiosmtpd answers `500 FileNotFoundError` unless all three exist.
            fs::create_dir_all(maildir.join(sub))
                .map_err(TestkitError::io("creating the SMTP sink Maildir"))?;
        }
        if security != Security::Plain {
            make_certificates(dir.path())?;
        }
        let pid_file = dir.path().join("aiosmtpd.pid");
        let watchdog = Watchdog::spawn(&pid_file, "TERM", dir.path())?;
        let mut sink = Self {
            security,
            maildir,
            log: dir.path().join("aiosmtpd.log"),
            pid_file,
            port: 0,
            child: Mutex::new(None),
            dir,
            _watchdog: watchdog,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            sink.port = process::free_port()?;
            match sink.launch() {
                Ok(child) => {
                    *sink.child_slot() = Some(child);
                    return Ok(sink);
                }
                Err(err) if attempt < PORT_ATTEMPTS && process::lost_port_race(&sink.log) => {
                    process::log_note(&sink.log, &format!("port taken, retrying: {err}"));
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Always `127.0.0.1`.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The CA certificate (PEM) that signed the server certificate, for the TLS flavours.
    pub fn ca_pem_path(&self) -> Option<PathBuf> {
        (self.security != Security::Plain).then(|| self.dir.path().join("ca.pem"))
    }

    /// The Maildir the messages land in (`new/` holds them).
    pub fn maildir(&self) -> &Path {
        &self.maildir
    }

    /// The server's log (aiosmtpd's output and the kit's start/stop notes).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Result<Vec<ReceivedMail>> {
        let new = self.maildir.join("new");
        let mut files: Vec<(SystemTime, PathBuf)> = fs::read_dir(&new)
            .map_err(TestkitError::io(format!("listing {}", new.display())))?
            .flatten()
            .map(|entry| {
                let modified = entry.metadata().and_then(|m| m.modified());
                (modified.unwrap_or(SystemTime::UNIX_EPOCH), entry.path())
            })
            .collect();
        files.sort();
        files.iter().map(|(_, path)| parse_mail(path)).collect()
    }

    /// Waits until at least `count` messages have arrived or `timeout` passes, and returns what
    /// arrived either way, so the test's assertion shows what is missing.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Result<Vec<ReceivedMail>> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages()?;
            if messages.len() >= count || Instant::now() >= deadline {
                return Ok(messages);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server; connections are cut and new ones refused. Mail is kept. Stopping a
    /// stopped sink does nothing.
    pub fn stop(&self) -> Result<()> {
        process::stop_slot(
            &mut self.child_slot(),
            &self.log,
            "stopping",
            Signal::TERM,
            STOP_GRACE,
        )
    }

    /// Starts the server again after [`stop`](Self::stop), on the same port, and waits for its
    /// greeting. Starting a running sink does nothing.
    pub fn start_again(&self) -> Result<()> {
        process::restart_slot(&mut self.child_slot(), "aiosmtpd", || self.launch())
    }

    fn child_slot(&self) -> MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Spawns aiosmtpd on `self.port` and waits until it greets.
    fn launch(&self) -> Result<Child> {
        let mut cmd = Command::new(PYTHON);
        cmd.args(["-m", "aiosmtpd", "-n", "-d"])
            .args(["-l", &format!("127.0.0.1:{}", self.port)]);
        let tls_flags = match self.security {
            Security::Plain => None,
            Security::StartTls => Some(("--tlscert", "--tlskey")),
            Security::Smtps => Some(("--smtpscert", "--smtpskey")),
        };
        if let Some((cert_flag, key_flag)) = tls_flags {
            cmd.arg(cert_flag).arg(self.dir.path().join("leaf.pem"));
            cmd.arg(key_flag).arg(self.dir.path().join("leaf.key"));
        }
        // `-c` comes last: everything after the class is passed to it (the Maildir path).
        cmd.args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.maildir);
        cmd.env("PYTHONUNBUFFERED", "1")
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME");
        let mut child = process::spawn_logged(&mut cmd, &self.log)?;
        fs::write(&self.pid_file, child.id().to_string())
            .map_err(TestkitError::io("writing the aiosmtpd pid file"))?;
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let greets = self.security != Security::Smtps;
        match process::wait_ready(&mut child, START_TIMEOUT, || probe(address, greets)) {
            Ok(()) => Ok(child),
            Err(NotReady::Exited(_))
                if process::log_tail(&self.log, process::TAIL_LINES)
                    .contains("No module named aiosmtpd") =>
            {
                Err(missing_aiosmtpd())
            }
            Err(err) => Err(process::startup_error(
                "aiosmtpd",
                &self.log,
                err.to_string(),
            )),
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // Errors cannot be reported from drop; the watchdog retries the cleanup anyway.
        let _ = self.stop();
    }
}

fn missing_aiosmtpd() -> TestkitError {
    TestkitError::MissingProgram {
        program: "aiosmtpd (Python module)".into(),
        searched: format!("{PYTHON} -m aiosmtpd"),
        install: INSTALL.into(),
    }
}

/// Whether the server accepts a connection and, unless it speaks TLS first, greets with 220.
fn probe(address: SocketAddr, greets: bool) -> bool {
    let Ok(stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else {
        return false;
    };
    if !greets {
        return true;
    }
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut greeting = String::new();
    let mut reader = BufReader::new(&stream);
    if reader.read_line(&mut greeting).is_err() || !greeting.starts_with("220") {
        return false;
    }
    let _ = (&stream).write_all(b"QUIT\r\n");
    true
}

/// Makes `ca.pem` (a CA) and `leaf.pem`/`leaf.key` (the server's certificate) in `dir`.
fn make_certificates(dir: &Path) -> Result<()> {
    let openssl = process::require_program("openssl", &[], "apt-get install openssl")?;
    fs::write(dir.join("leaf.ext"), LEAF_EXT)
        .map_err(TestkitError::io("writing the certificate extensions"))?;
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    let steps = [
        format!(
            "req -x509 {ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=latchkey-test-ca \
                 -addext basicConstraints=critical,CA:TRUE \
                 -addext keyUsage=critical,keyCertSign,cRLSign"
        ),
        format!("req {ec} -keyout leaf.key -out leaf.csr -subj /CN=localhost"),
        "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 \
         -extfile leaf.ext"
            .to_owned(),
    ];
    for step in steps {
        let mut cmd = Command::new(&openssl);
        cmd.current_dir(dir).args(step.split_whitespace());
        process::run(&mut cmd, None)?;
    }
    Ok(())
}

fn parse_mail(path: &Path) -> Result<ReceivedMail> {
    let bytes = fs::read(path).map_err(TestkitError::io(format!("reading {}", path.display())))?;
    let message = mail_parser::MessageParser::default()
        .parse(&bytes)
        .ok_or_else(|| TestkitError::Setup(format!("{} is not a mail message", path.display())))?;
    let addresses = |list: Option<&mail_parser::Address<'_>>| -> Vec<String> {
        list.into_iter()
            .flat_map(|list| list.iter())
            .filter_map(|addr| addr.address().map(str::to_owned))
            .collect()
    };
    let envelope_to = message
        .header_raw("X-RcptTo")
        .map(|raw| {
            raw.split(',')
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Ok(ReceivedMail {
        from: addresses(message.from())
            .into_iter()
            .next()
            .unwrap_or_default(),
        to: addresses(message.to()),
        envelope_to,
        subject: message.subject().unwrap_or_default().to_owned(),
        body: message
            .body_text(0)
            .unwrap_or_default()
            .replace("\r\n", "\n"),
        raw: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends one message with Python's smtplib: `mode` is `plain`, `starttls` or `smtps`.
    const SEND: &str = r#"
import smtplib, ssl, sys
from email.message import EmailMessage
port, mode, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3]
m = EmailMessage()
m["From"] = "Sender <sender@example.com>"
m["To"] = "rcpt@example.com"
m["Subject"] = "Grüße from smtplib"
m.set_content("Hello Jörg,\nyour code is 123456.\n", cte="quoted-printable")
ctx = ssl.create_default_context(cafile=ca) if ca else None
s = smtplib.SMTP_SSL("127.0.0.1", port, context=ctx, timeout=10) if mode == "smtps" \
    else smtplib.SMTP("127.0.0.1", port, timeout=10)
if mode == "starttls":
    s.starttls(context=ctx)
s.send_message(m, to_addrs=["rcpt@example.com", "hidden@example.com"])
s.quit()
"#;

    fn send(sink: &SmtpSink, mode: &str) -> Result<String> {
        let ca = sink.ca_pem_path().unwrap_or_default();
        let mut cmd = Command::new(PYTHON);
        cmd.args(["-c", SEND, &sink.port().to_string(), mode])
            .arg(ca);
        process::run(&mut cmd, None)
    }

    fn assert_received(mail: &ReceivedMail) {
        assert_eq!(mail.subject, "Grüße from smtplib");
        assert_eq!(mail.body, "Hello Jörg,\nyour code is 123456.\n");
        assert_eq!(mail.from, "sender@example.com");
        assert_eq!(mail.to, ["rcpt@example.com"]);
        assert_eq!(mail.envelope_to, ["rcpt@example.com", "hidden@example.com"]);
        assert!(mail.raw.contains("quoted-printable"), "{}", mail.raw);
    }

    #[test]
    fn a_plain_sink_keeps_what_it_receives_across_a_restart() -> Result<()> {
        let sink = SmtpSink::start()?;
        assert!(sink.ca_pem_path().is_none());
        assert!(sink.messages()?.is_empty());
        send(&sink, "plain")?;
        let mails = sink.wait_for(1, Duration::from_secs(10))?;
        assert_eq!(mails.len(), 1, "{mails:?}");
        assert_received(&mails[0]);

        sink.stop()?;
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, sink.port()));
        assert!(
            TcpStream::connect(address).is_err(),
            "a stopped sink accepts connections"
        );
        assert!(send(&sink, "plain").is_err());

        sink.start_again()?;
        send(&sink, "plain")?;
        assert_eq!(sink.wait_for(2, Duration::from_secs(10))?.len(), 2);
        let dir = sink.dir.path().to_path_buf();
        drop(sink);
        assert!(!dir.exists(), "the temp dir outlived the sink");
        Ok(())
    }

    #[test]
    fn a_missing_sink_says_how_to_install_it() {
        let text = missing_aiosmtpd().to_string();
        assert!(
            text.contains("`apt-get install python3-aiosmtpd`"),
            "{text}"
        );
    }

    #[test]
    fn tls_sinks_are_trusted_through_their_ca_and_require_tls() -> Result<()> {
        let sink = SmtpSink::start_with_tls()?;
        let err = send(&sink, "plain").unwrap_err().to_string();
        assert!(
            err.contains("530"),
            "mail without STARTTLS was not refused: {err}"
        );
        send(&sink, "starttls")?;
        let mails = sink.wait_for(1, Duration::from_secs(10))?;
        assert_eq!(mails.len(), 1, "{mails:?}");
        assert_received(&mails[0]);

        let smtps = SmtpSink::start_with_smtps()?;
        send(&smtps, "smtps")?;
        assert_received(&smtps.wait_for(1, Duration::from_secs(10))?[0]);
        Ok(())
    }
}
