//! Child-process plumbing shared by every server the kit starts.
//!
//! A server here is a child process we own: spawned with its stdout and stderr appended to a log
//! file in its temp dir, polled until a readiness probe passes, stopped with the signal that
//! means "graceful shutdown" to that server, and killed if it does not go in time.
//!
//! Because a test process can end without running destructors (a `static` is never dropped, a
//! test binary can be killed), each server also gets a [`Watchdog`]: a tiny `sh` child that
//! blocks reading a pipe only this process holds. When this process exits for any reason, the
//! kernel closes the pipe, `read` returns, and the watchdog stops the server named in its pid
//! file and deletes the temp dir.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

pub(crate) use rustix::process::Signal;

use crate::error::{Result, TestkitError};

/// How often readiness probes and exit checks poll.
const POLL: Duration = Duration::from_millis(50);

/// Ports this process has already handed out; see [`free_port`].
static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// Returns a TCP port on 127.0.0.1 that is free right now and that this process has not handed
/// out before.
///
/// The port is found by binding port 0 and releasing it, so another process can still take it
/// before the server binds it; the servers in this kit notice "address in use" at startup and
/// retry with a new port. Remembering handed-out ports stops two tests in the same process (which
/// `cargo test` runs in parallel) from being given the same one.
pub fn free_port() -> Result<u16> {
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(PoisonError::into_inner);
    for _ in 0..100 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(TestkitError::io("binding a free port on 127.0.0.1"))?;
        let port = listener
            .local_addr()
            .map_err(TestkitError::io("reading the address of a free port"))?
            .port();
        if handed_out.insert(port) {
            return Ok(port);
        }
    }
    Err(TestkitError::Setup(
        "could not find a free TCP port on 127.0.0.1 that this process has not used yet".into(),
    ))
}

/// Whether this process runs with effective uid 0.
pub(crate) fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Looks for an executable called `name` in `$PATH`, then in `extra_dirs`.
pub(crate) fn find_program(name: &str, extra_dirs: &[&str]) -> Option<PathBuf> {
    let path_dirs = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    path_dirs
        .into_iter()
        .chain(extra_dirs.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Like [`find_program`], but a miss is an error that says how to install the program.
pub(crate) fn require_program(name: &str, extra_dirs: &[&str], install: &str) -> Result<PathBuf> {
    find_program(name, extra_dirs).ok_or_else(|| {
        let mut searched = vec!["$PATH".to_owned()];
        searched.extend(extra_dirs.iter().map(|d| (*d).to_owned()));
        TestkitError::MissingProgram {
            program: name.to_owned(),
            searched: searched.join(", "),
            install: install.to_owned(),
        }
    })
}

/// Whether `path` is a regular file with an execute bit.
pub(crate) fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Renders a command for error messages. Callers keep secrets out of argv (password files).
pub(crate) fn describe(cmd: &Command) -> String {
    let mut out = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        out.push(' ');
        out.push_str(&arg.to_string_lossy());
    }
    out
}

/// Runs a short-lived helper to completion, feeding it `stdin`, and returns its stdout.
/// A non-zero exit is an error carrying everything it printed.
pub(crate) fn run(cmd: &mut Command, stdin: Option<&[u8]>) -> Result<String> {
    let described = describe(cmd);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(TestkitError::io(format!("running {described}")))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // Written from a thread: a large LDIF could fill the pipe while the child fills stdout.
        let input = input.to_vec();
        thread::spawn(move || {
            // A write error means the child exited early; its exit status reports why.
            let _ = pipe.write_all(&input);
        });
    }
    let output = child
        .wait_with_output()
        .map_err(TestkitError::io(format!("waiting for {described}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(TestkitError::Command {
            command: described,
            status: output.status.to_string(),
            output: format!("{stdout}{stderr}").trim_end().to_owned(),
        })
    }
}

/// Opens (creating or appending to) a server log and returns it as stdout and stderr.
pub(crate) fn log_stdio(log: &Path) -> Result<(Stdio, Stdio)> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(TestkitError::io(format!("opening log {}", log.display())))?;
    let second = file.try_clone().map_err(TestkitError::io(format!(
        "duplicating log {}",
        log.display()
    )))?;
    Ok((Stdio::from(file), Stdio::from(second)))
}

/// Appends a line to a server log, so the log tells the story of starts and stops.
pub(crate) fn log_note(log: &Path, note: &str) {
    if let Ok(mut file) = OpenOptions::new().create(true).append(true).open(log) {
        // Best effort: a missing note must not fail a test.
        let _ = writeln!(file, "--- latchkey-testkit: {note}");
    }
}

/// Spawns a long-running server with its output appended to `log`.
pub(crate) fn spawn_logged(cmd: &mut Command, log: &Path) -> Result<Child> {
    let (out, err) = log_stdio(log)?;
    log_note(log, &format!("starting {}", describe(cmd)));
    cmd.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(TestkitError::io(format!("starting {}", describe(cmd))))
}

/// How many log lines a startup error quotes.
pub(crate) const TAIL_LINES: usize = 30;

/// A server that did not start: the reason and the end of its log.
pub(crate) fn startup_error(server: &'static str, log: &Path, reason: String) -> TestkitError {
    TestkitError::Startup {
        server,
        reason,
        log: log.to_path_buf(),
        log_tail: log_tail(log, TAIL_LINES),
    }
}

/// Whether a failed start lost its port to another process (so trying another port helps).
pub(crate) fn lost_port_race(log: &Path) -> bool {
    log_tail(log, TAIL_LINES).contains("Address already in use")
}

/// The last `lines` lines of a log file, or a note saying why there are none.
pub(crate) fn log_tail(log: &Path, lines: usize) -> String {
    let mut text = String::new();
    match File::open(log).and_then(|mut f| f.read_to_string(&mut text)) {
        Ok(_) => {
            let all: Vec<&str> = text.lines().collect();
            let start = all.len().saturating_sub(lines);
            all.get(start..).unwrap_or_default().join("\n")
        }
        Err(err) => format!("(could not read the log: {err})"),
    }
}

/// Why a server did not become ready.
#[derive(Debug)]
pub(crate) enum NotReady {
    /// The process exited before the probe passed.
    Exited(ExitStatus),
    /// The probe did not pass within the timeout; the process was killed.
    TimedOut(Duration),
    /// Checking on the process failed.
    Io(std::io::Error),
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exited(status) => write!(f, "the process exited ({status})"),
            Self::TimedOut(t) => write!(f, "it did not answer within {} s", t.as_secs()),
            Self::Io(err) => write!(f, "could not check on the process: {err}"),
        }
    }
}

/// Polls `probe` until it returns true, the child exits, or `timeout` passes. On timeout the
/// child is killed, so a failed start never leaves a stray server behind.
pub(crate) fn wait_ready(
    child: &mut Child,
    timeout: Duration,
    mut probe: impl FnMut() -> bool,
) -> std::result::Result<(), NotReady> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().map_err(NotReady::Io)? {
            return Err(NotReady::Exited(status));
        }
        if probe() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(NotReady::TimedOut(timeout));
        }
        thread::sleep(POLL);
    }
}

/// Sends `signal` to a child and waits up to `grace` for it to exit; then kills it.
/// Stops the server in `slot`, if there is one, and empties the slot (its data stays).
pub(crate) fn stop_slot(
    slot: &mut Option<Child>,
    log: &Path,
    note: &str,
    signal: Signal,
    grace: Duration,
) -> Result<()> {
    if let Some(mut child) = slot.take() {
        log_note(log, note);
        stop_child(&mut child, signal, grace)?;
    }
    Ok(())
}

/// Starts a server into `slot` with `launch`, unless the one there is still running.
pub(crate) fn restart_slot(
    slot: &mut Option<Child>,
    server: &str,
    launch: impl FnOnce() -> Result<Child>,
) -> Result<()> {
    if let Some(child) = slot.as_mut()
        && child
            .try_wait()
            .map_err(TestkitError::io(format!("checking on {server}")))?
            .is_none()
    {
        return Ok(());
    }
    *slot = Some(launch()?);
    Ok(())
}

pub(crate) fn stop_child(child: &mut Child, signal: Signal, grace: Duration) -> Result<()> {
    if child
        .try_wait()
        .map_err(TestkitError::io("checking on a server process"))?
        .is_some()
    {
        return Ok(());
    }
    let pid = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw);
    if let Some(pid) = pid {
        // ESRCH means it has just exited; the wait below reaps it either way.
        let _ = rustix::process::kill_process(pid, signal);
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if child
            .try_wait()
            .map_err(TestkitError::io("waiting for a server to stop"))?
            .is_some()
        {
            return Ok(());
        }
        thread::sleep(POLL);
    }
    let _ = child.kill();
    child
        .wait()
        .map_err(TestkitError::io("waiting for a killed server"))?;
    Ok(())
}

/// The cleanup script of a [`Watchdog`]. Arguments: pid file, signal name, directory to remove.
/// It only signals the pid if that process's command line mentions the directory, so a pid
/// reused by an unrelated process after a crash is left alone.
const WATCHDOG_SCRIPT: &str = r#"
read _ignored
if [ -f "$1" ]; then
  pid=$(head -n 1 "$1")
  if [ -n "$pid" ] && grep -aqF -- "$3" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -s "$2" "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -s KILL "$pid" 2>/dev/null
  fi
fi
rm -rf -- "$3"
"#;

/// Stops a server and removes its directory when this process exits, however it exits.
///
/// Dropping the watchdog runs the same cleanup at once (normally a no-op, because the owner
/// stopped its server and removed its dir first) and reaps the `sh` child.
#[derive(Debug)]
pub(crate) struct Watchdog {
    child: Child,
    pipe: Option<ChildStdin>,
}

impl Watchdog {
    /// Starts a watchdog for the server whose pid is the first line of `pid_file`, which is
    /// stopped with `signal` (a `kill -s` name such as `INT` or `TERM`); `dir` is removed after.
    pub(crate) fn spawn(pid_file: &Path, signal: &str, dir: &Path) -> Result<Self> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("latchkey-testkit-watchdog")
            .arg(pid_file)
            .arg(signal)
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: a Ctrl-C in the terminal stops the servers (same group as
            // the tests) but must not stop the watchdog that removes their directories.
            .process_group(0)
            .spawn()
            .map_err(TestkitError::io("starting the cleanup watchdog (sh)"))?;
        let pipe = child.stdin.take();
        Ok(Self { child, pipe })
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.pipe.take());
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_names_the_package_that_installs_it() {
        let err = require_program(
            "latchkey-no-such-program",
            &["/opt/nowhere"],
            "apt-get install x",
        );
        let message = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("`latchkey-no-such-program` was not found"),
            "{message}"
        );
        assert!(message.contains("$PATH, /opt/nowhere"), "{message}");
        assert!(
            message.contains("install it with `apt-get install x`"),
            "{message}"
        );
        assert!(message.contains("bash scripts/test.sh"), "{message}");
    }

    #[test]
    fn log_tail_keeps_the_last_lines() -> Result<()> {
        let dir = tempfile::tempdir().map_err(TestkitError::io("temp dir"))?;
        let log = dir.path().join("server.log");
        let text: String = (1..=50).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&log, text).map_err(TestkitError::io("writing the log"))?;
        assert_eq!(log_tail(&log, 2), "line 49\nline 50");
        assert!(log_tail(&dir.path().join("absent.log"), 2).starts_with("(could not read"));
        Ok(())
    }

    #[test]
    fn run_reports_what_a_failed_command_printed() {
        let err = run(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            None,
        );
        let message = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("exit status: 3"), "{message}");
        assert!(message.contains("out\nerr"), "{message}");
    }
}
