//! Calling an external module: a program on this host (JSON on stdin, JSON on stdout) or an
//! HTTP service (JSON POST, JSON answer). Both are bounded: one deadline for the whole call,
//! at most [`MAX_REPLY`] bytes read, and a program still running at the deadline is killed.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// Largest reply read (64 KiB); a longer one is an error.
pub const MAX_REPLY: usize = 64 * 1024;
/// The only variables a program gets: nothing of the server's environment (database URL,
/// secrets) leaks into it.
const PROGRAM_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Where a call goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// A program and its arguments.
    Program {
        /// Absolute path.
        command: PathBuf,
        /// Arguments.
        args: Vec<String>,
    },
    /// An http:// URL.
    Http(url::Url),
}

impl Target {
    /// From the `command` and `args` settings; `args` is words, or a JSON array of strings.
    pub fn program(command: &str, args: Option<&str>) -> Result<Self, String> {
        let command = PathBuf::from(command);
        if !command.is_absolute() {
            return Err(format!(
                "command {} must be an absolute path",
                command.display()
            ));
        }
        let args = match args.map(str::trim) {
            None | Some("") => Vec::new(),
            Some(json) if json.starts_with('[') => serde_json::from_str::<Vec<String>>(json)
                .map_err(|e| format!("args is not a JSON array of strings: {e}"))?,
            Some(words) => words.split_whitespace().map(str::to_owned).collect(),
        };
        Ok(Target::Program { command, args })
    }

    /// From the `url` setting.
    pub fn http(url: &str) -> Result<Self, String> {
        let url = url::Url::parse(url).map_err(|e| format!("url {url:?}: {e}"))?;
        match url.scheme() {
            "http" => Ok(Target::Http(url)),
            "https" => Err(
                "https:// is not supported by this build (no TLS client): use an http:// \
                 endpoint on this host or a trusted network, or a TLS-terminating proxy"
                    .into(),
            ),
            other => Err(format!("url scheme {other:?} is not http")),
        }
    }
}

/// Sends `request` and returns the raw reply, or why there is none.
pub async fn call(target: &Target, request: &Value, timeout: Duration) -> Result<Vec<u8>, String> {
    let body = serde_json::to_vec(request).map_err(|e| format!("request: {e}"))?;
    match target {
        Target::Program { command, args } => run_program(command, args, &body, timeout).await,
        Target::Http(url) => post(url, body, timeout).await,
    }
}

/// Reads to the end, refusing more than [`MAX_REPLY`] bytes.
async fn read_capped(mut from: impl AsyncRead + Unpin) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = from
            .read(&mut chunk)
            .await
            .map_err(|e| format!("reading the reply: {e}"))?;
        if n == 0 {
            return Ok(out);
        }
        if out.len() + n > MAX_REPLY {
            return Err(format!("the reply is larger than {MAX_REPLY} bytes"));
        }
        out.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

async fn run_program(
    command: &PathBuf,
    args: &[String],
    body: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    let mut child = tokio::process::Command::new(command)
        .args(args)
        .env_clear()
        .env("PATH", PROGRAM_PATH)
        .env("LANG", "C.UTF-8")
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // The program's diagnostics may quote what was typed: they are not kept.
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", command.display()))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("the program's pipes could not be opened".into());
    };
    let work = async {
        let write = async {
            // A program that decides without reading its input closes the pipe early; that
            // is its business, its answer still counts.
            let _ = stdin.write_all(body).await;
            drop(stdin);
        };
        let (_, reply) = tokio::join!(write, read_capped(stdout));
        let reply = reply?;
        let status = child
            .wait()
            .await
            .map_err(|e| format!("waiting for the program: {e}"))?;
        if status.success() {
            Ok(reply)
        } else {
            Err(format!("the program exited with {status}"))
        }
    };
    let result = tokio::time::timeout(timeout, work).await;
    // Whatever happened, the program does not outlive the call.
    let _ = child.start_kill();
    let _ = child.wait().await;
    match result {
        Ok(r) => r,
        Err(_) => Err(format!(
            "the program did not answer within {} ms and was killed",
            timeout.as_millis()
        )),
    }
}

fn client() -> Result<&'static reqwest::Client, String> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("latchkey/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| format!("HTTP client: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

async fn post(url: &url::Url, body: Vec<u8>, timeout: Duration) -> Result<Vec<u8>, String> {
    let client = client()?;
    let work = async {
        let mut response = client
            .post(url.as_str())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {}", e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("POST {url} answered {status}"));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_REPLY as u64)
        {
            return Err(format!("the reply is larger than {MAX_REPLY} bytes"));
        }
        let mut out = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reading the reply: {}", e.without_url()))?
        {
            if out.len() + chunk.len() > MAX_REPLY {
                return Err(format!("the reply is larger than {MAX_REPLY} bytes"));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "POST {url} did not answer within {} ms",
                timeout.as_millis()
            ))
        })
}
