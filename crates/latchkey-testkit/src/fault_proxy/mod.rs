//! A TCP proxy between an LDAP client and a real [`Slapd`](crate::Slapd) that injects faults at
//! exact points of the protocol.
//!
//! The mass password reset must never lose a password, so its tests need the failures that
//! matter to happen at a chosen moment against a real directory: the password was changed but
//! the answer never arrived ([`Fault::DropResponseAfterApply`], [`Fault::HangAfterApply`]), the
//! directory refused one particular password ([`Fault::RefuseBeforeApply`]), or the directory
//! went away ([`Fault::Sever`], [`FaultProxy::pause`]). Stopping slapd cannot place a failure
//! between "applied" and "answered"; only something that sees the messages can.
//!
//! That is why the proxy parses a little BER instead of copying bytes blindly: TCP delivers a
//! stream, and one read may hold half an LDAP message or several. The proxy cuts each direction
//! into whole `LDAPMessage`s (a SEQUENCE with short- or long-form length), reads the message ID
//! and the protocolOp tag, and for an ExtendedRequest the requestName. Everything else is
//! forwarded byte for byte. A stream that does not look like LDAP is forwarded unparsed.
//!
//! Data flow: one acceptor thread; per client connection, an upstream connection to slapd and
//! two pump threads (client → slapd, slapd → client). An armed fault is taken by the first
//! matching request on any connection, fires once, and is counted by [`FaultProxy::fired`].
//!
//! Limits: plain TCP only: after StartTLS the stream no longer looks like LDAP and is relayed
//! unparsed, so no fault fires (LDAPS would be the same). One fault armed at a time (arming
//! replaces the previous one), and faults match writes only.

use std::collections::HashMap;
use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::error::{Result, TestkitError};
use crate::process::free_port;

/// How often the acceptor looks for new connections (its listener is non-blocking, so that
/// pausing and stopping never wait on a blocked `accept`).
mod ber;

use ber::{EXTENDED_RESPONSE, Framer, MODIFY_RESPONSE, Message, Piece, refusal};

const ACCEPT_POLL: Duration = Duration::from_millis(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const PORT_ATTEMPTS: usize = 3;

/// Which write requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The Password Modify extended operation (RFC 3062).
    PasswordModify,
    /// A ModifyRequest, as used to write `userPassword` or `unicodePwd`.
    Modify,
    /// Either of them.
    AnyWrite,
}

/// A fault to inject; see [`FaultProxy::arm`]. Each fires once, on the next matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Forward the request (the directory applies it), swallow the response, and close the
    /// client's connection: the client sees a lost connection after the change was made.
    DropResponseAfterApply {
        /// Which requests trigger it.
        op: Op,
    },
    /// Forward the request, swallow the response, and keep the connection open and silent from
    /// then on: the client waits until its own timeout.
    HangAfterApply {
        /// Which requests trigger it.
        op: Op,
    },
    /// Do not forward the request; answer it with resultCode 19 (constraintViolation) and this
    /// diagnostic, as slapd's ppolicy does for a password it refuses.
    RefuseBeforeApply {
        /// Which requests trigger it.
        op: Op,
        /// The diagnosticMessage, e.g. "Password fails quality checking policy".
        diagnostic: String,
    },
    /// Close every open connection now, as if the server vanished; new ones are still accepted.
    /// Fires as soon as it is armed.
    Sever,
}

/// An LDAP proxy on `127.0.0.1` in front of a real directory; see the module docs.
///
/// Dropping it closes every connection and stops its threads.
#[derive(Debug)]
pub struct FaultProxy {
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    port: u16,
    upstream: SocketAddr,
    /// `None` while paused or stopped: connections are then refused by the kernel.
    listener: Mutex<Option<TcpListener>>,
    armed: Mutex<Option<Fault>>,
    fired: AtomicUsize,
    stopping: AtomicBool,
    conns: Mutex<Conns>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

#[derive(Debug, Default)]
struct Conns {
    /// Set while paused or stopping; a connection accepted just before is closed, not kept.
    closed: bool,
    next_id: u64,
    open: HashMap<u64, Arc<Conn>>,
}

/// One client connection and its upstream connection to the directory.
#[derive(Debug)]
struct Conn {
    id: u64,
    client: TcpStream,
    upstream: TcpStream,
    /// Both pumps write to the client (responses, refusals); this keeps messages whole.
    client_writes: Mutex<()>,
    /// The response to swallow, and what to do then.
    pending: Mutex<Option<Pending>>,
    /// After [`Fault::HangAfterApply`]: nothing passes either way any more.
    silent: AtomicBool,
}

#[derive(Debug)]
struct Pending {
    message_id: i64,
    response_tag: u8,
    close: bool,
}

impl Op {
    /// Whether a fault for `self` applies to a request of kind `request` (never `AnyWrite`).
    fn covers(self, request: Op) -> bool {
        self == Op::AnyWrite || self == request
    }

    fn response_tag(self) -> u8 {
        if self == Op::Modify {
            MODIFY_RESPONSE
        } else {
            EXTENDED_RESPONSE
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn listen(port: u16) -> std::io::Result<TcpListener> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

impl FaultProxy {
    /// Starts a proxy on a free port of 127.0.0.1 that forwards to `127.0.0.1:upstream_port`
    /// (e.g. [`Slapd::port`](crate::Slapd::port)). The upstream is connected per client
    /// connection, so it may be down when the proxy starts.
    pub fn start(upstream_port: u16) -> Result<Self> {
        let mut attempt = 0;
        let (port, listener) = loop {
            attempt += 1;
            let port = free_port()?;
            match listen(port) {
                Ok(listener) => break (port, listener),
                Err(e) if e.kind() == ErrorKind::AddrInUse && attempt < PORT_ATTEMPTS => {}
                Err(e) => return Err(TestkitError::io(format!("listening on port {port}"))(e)),
            }
        };
        let shared = Arc::new(Shared {
            port,
            upstream: SocketAddr::from((Ipv4Addr::LOCALHOST, upstream_port)),
            listener: Mutex::new(Some(listener)),
            armed: Mutex::new(None),
            fired: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
            conns: Mutex::default(),
            threads: Mutex::default(),
        });
        let for_thread = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("fault-proxy-accept".into())
            .spawn(move || accept_loop(&for_thread))
            .map_err(TestkitError::io(
                "starting the fault proxy's acceptor thread",
            ))?;
        Ok(Self {
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// `ldap://127.0.0.1:PORT`, for the client under test.
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.shared.port)
    }

    /// The port the proxy listens on.
    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// Arms `fault`, replacing any fault still armed. [`Fault::Sever`] fires at once.
    pub fn arm(&self, fault: Fault) {
        if fault == Fault::Sever {
            self.shared.fired.fetch_add(1, Ordering::SeqCst);
            self.shared.close_all(false);
        } else {
            *lock(&self.shared.armed) = Some(fault);
        }
    }

    /// Disarms and returns the fault that has not fired yet, if any.
    pub fn disarm(&self) -> Option<Fault> {
        lock(&self.shared.armed).take()
    }

    /// How many faults have fired since the proxy started.
    pub fn fired(&self) -> usize {
        self.shared.fired.load(Ordering::SeqCst)
    }

    /// Acts as a directory that is down: closes every connection and stops listening, so new
    /// connections are refused, until [`resume`](Self::resume).
    pub fn pause(&self) {
        drop(lock(&self.shared.listener).take());
        self.shared.close_all(true);
    }

    /// Listens again on the same port after [`pause`](Self::pause). Fails if another process
    /// took the port in between.
    pub fn resume(&self) -> Result<()> {
        let mut listener = lock(&self.shared.listener);
        if listener.is_none() {
            let port = self.shared.port;
            let fresh = listen(port).map_err(TestkitError::io(format!(
                "listening again on port {port} after a pause"
            )))?;
            lock(&self.shared.conns).closed = false;
            *listener = Some(fresh);
        }
        Ok(())
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.pause();
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        // Closed sockets wake every pump from its read or write, so these joins are short.
        let pumps = std::mem::take(&mut *lock(&self.shared.threads));
        for pump in pumps {
            let _ = pump.join();
        }
    }
}

impl Shared {
    /// Closes every open connection; with `refuse_new`, also any accepted from now on.
    fn close_all(&self, refuse_new: bool) {
        let open: Vec<Arc<Conn>> = {
            let mut conns = lock(&self.conns);
            conns.closed |= refuse_new;
            conns.open.drain().map(|(_, conn)| conn).collect()
        };
        for conn in open {
            conn.close();
        }
    }

    /// Takes the armed fault if it applies to `write`, counting it as fired.
    fn take_fault(&self, write: Op) -> Option<Fault> {
        let mut armed = lock(&self.armed);
        let applies = match armed.as_ref() {
            Some(
                Fault::DropResponseAfterApply { op }
                | Fault::HangAfterApply { op }
                | Fault::RefuseBeforeApply { op, .. },
            ) => op.covers(write),
            Some(Fault::Sever) | None => false,
        };
        if !applies {
            return None;
        }
        self.fired.fetch_add(1, Ordering::SeqCst);
        armed.take()
    }
}

fn accept_loop(shared: &Arc<Shared>) {
    while !shared.stopping.load(Ordering::SeqCst) {
        let accepted = lock(&shared.listener).as_ref().map(TcpListener::accept);
        match accepted {
            Some(Ok((client, _))) => open(shared, client),
            // WouldBlock (nothing waiting), paused, or a transient accept error.
            Some(Err(_)) | None => thread::sleep(ACCEPT_POLL),
        }
    }
}

/// Connects a new client to the directory and starts its two pumps.
fn open(shared: &Arc<Shared>, client: TcpStream) {
    let Ok(upstream) = TcpStream::connect_timeout(&shared.upstream, CONNECT_TIMEOUT) else {
        // The directory is down: the client sees its connection closed at once.
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    // Accepted sockets do not inherit O_NONBLOCK on Linux; being explicit costs nothing.
    let _ = client.set_nonblocking(false);
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let conn = {
        let mut conns = lock(&shared.conns);
        conns.next_id += 1;
        let conn = Arc::new(Conn {
            id: conns.next_id,
            client,
            upstream,
            client_writes: Mutex::new(()),
            pending: Mutex::new(None),
            silent: AtomicBool::new(false),
        });
        if conns.closed {
            conn.close();
            return;
        }
        conns.open.insert(conn.id, Arc::clone(&conn));
        conn
    };
    let pumps: [(&str, Pump); 2] = [
        ("fault-proxy-requests", pump_requests),
        ("fault-proxy-responses", pump_responses),
    ];
    let mut threads = lock(&shared.threads);
    threads.retain(|pump| !pump.is_finished());
    for (name, pump) in pumps {
        let (shared, conn_for_pump) = (Arc::clone(shared), Arc::clone(&conn));
        let spawned = thread::Builder::new().name(name.into()).spawn(move || {
            pump(&shared, &conn_for_pump);
            // Either side ending ends the pair: the other pump wakes on the closed sockets.
            lock(&shared.conns).open.remove(&conn_for_pump.id);
            conn_for_pump.close();
        });
        match spawned {
            Ok(handle) => threads.push(handle),
            Err(_) => conn.close(),
        }
    }
}

impl Conn {
    fn close(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.upstream.shutdown(Shutdown::Both);
    }

    fn to_client(&self, bytes: &[u8]) -> bool {
        let _whole = lock(&self.client_writes);
        (&self.client).write_all(bytes).is_ok()
    }

    fn to_upstream(&self, bytes: &[u8]) -> bool {
        (&self.upstream).write_all(bytes).is_ok()
    }
}

/// A pump moves one direction of a connection until either side closes.
type Pump = fn(&Shared, &Conn);

/// Client → directory: applies armed faults to write requests.
fn pump_requests(shared: &Shared, conn: &Conn) {
    relay(&conn.client, |piece| {
        if conn.silent.load(Ordering::SeqCst) {
            return true;
        }
        let bytes = match piece {
            Piece::Message(bytes) => bytes,
            Piece::Raw(bytes) => return conn.to_upstream(&bytes),
        };
        let Some(message) = Message::parse(&bytes) else {
            return conn.to_upstream(&bytes);
        };
        let Some(write) = message.write() else {
            return conn.to_upstream(&bytes);
        };
        let swallow = |close| {
            // Registered before forwarding, so the response cannot overtake it.
            *lock(&conn.pending) = Some(Pending {
                message_id: message.id,
                response_tag: write.response_tag(),
                close,
            });
            conn.to_upstream(&bytes)
        };
        match shared.take_fault(write) {
            None | Some(Fault::Sever) => conn.to_upstream(&bytes),
            Some(Fault::DropResponseAfterApply { .. }) => swallow(true),
            Some(Fault::HangAfterApply { .. }) => swallow(false),
            Some(Fault::RefuseBeforeApply { diagnostic, .. }) => {
                conn.to_client(&refusal(message.id_tlv, write.response_tag(), &diagnostic))
            }
        }
    });
}

/// Directory → client: swallows the response a fault is waiting for.
fn pump_responses(_shared: &Shared, conn: &Conn) {
    relay(&conn.upstream, |piece| {
        if conn.silent.load(Ordering::SeqCst) {
            return true;
        }
        if let Piece::Message(bytes) = &piece
            && let Some(message) = Message::parse(bytes)
        {
            let mut pending = lock(&conn.pending);
            let awaited = pending
                .as_ref()
                .is_some_and(|p| p.message_id == message.id && p.response_tag == message.op_tag);
            if awaited {
                let close = pending.take().is_some_and(|p| p.close);
                // Returning false ends the pump, which closes both connections.
                conn.silent.store(!close, Ordering::SeqCst);
                return !close;
            }
        }
        conn.to_client(piece.bytes())
    });
}

/// Reads `from` until it closes, handing each whole message (or unparsed bytes) to `each`,
/// which returns false to stop.
fn relay(mut from: &TcpStream, mut each: impl FnMut(Piece) -> bool) {
    let mut framer = Framer::default();
    let mut chunk = vec![0_u8; 64 * 1024];
    loop {
        let read = match from.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        framer
            .buf
            .extend_from_slice(chunk.get(..read).unwrap_or_default());
        while let Some(piece) = framer.next_piece() {
            if !each(piece) {
                return;
            }
        }
    }
}
