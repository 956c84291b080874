//! A small connection pool: at most `size` connections in use at once, idle ones kept for the
//! next caller, broken ones thrown away.
//!
//! Connections are made by the caller's async factory when no idle one is left, so a pool never
//! holds a connection it could not make, and a target that went away costs nothing until it is
//! used again. A [`Pooled`] connection goes back to the pool when dropped, unless the caller
//! [discarded](Pooled::discard) it after a failure that may have broken it.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug)]
struct Inner<C> {
    idle: Mutex<Vec<C>>,
    permits: Arc<Semaphore>,
}

/// A pool of connections of type `C`.
#[derive(Debug)]
pub(crate) struct Pool<C> {
    inner: Arc<Inner<C>>,
}

impl<C> Clone for Pool<C> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// Whether a connection came from the idle list (and may have gone stale) or is fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Idle,
    Fresh,
}

impl<C: Send + 'static> Pool<C> {
    /// A pool of at most `size` connections (at least one).
    pub(crate) fn new(size: u32) -> Self {
        let size = usize::try_from(size.max(1)).unwrap_or(1);
        Self {
            inner: Arc::new(Inner {
                idle: Mutex::new(Vec::with_capacity(size)),
                permits: Arc::new(Semaphore::new(size)),
            }),
        }
    }

    /// Waits for a free slot, then takes an idle connection that `usable` accepts (others
    /// are dropped) or makes one with `connect`.
    pub(crate) async fn get<E, F, Fut>(
        &self,
        usable: impl Fn(&mut C) -> bool,
        connect: F,
    ) -> Result<Pooled<C>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<C, E>>,
    {
        // The semaphore is never closed, so acquiring only fails if it were; treat that as
        // "no limit" rather than failing the caller.
        let permit = Arc::clone(&self.inner.permits).acquire_owned().await.ok();
        loop {
            let candidate = self.idle().pop();
            let Some(mut conn) = candidate else { break };
            if usable(&mut conn) {
                return Ok(self.wrap(conn, Origin::Idle, permit));
            }
        }
        let conn = connect().await?;
        Ok(self.wrap(conn, Origin::Fresh, permit))
    }

    /// Drops every idle connection (after the target restarted, say).
    pub(crate) fn clear(&self) {
        self.idle().clear();
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<C>> {
        self.inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn wrap(&self, conn: C, origin: Origin, permit: Option<OwnedSemaphorePermit>) -> Pooled<C> {
        Pooled {
            conn: Some(conn),
            origin,
            pool: self.clone(),
            _permit: permit,
        }
    }
}

/// A connection taken from a [`Pool`]; it goes back when dropped.
#[derive(Debug)]
pub(crate) struct Pooled<C: Send + 'static> {
    conn: Option<C>,
    origin: Origin,
    pool: Pool<C>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl<C: Send + 'static> Pooled<C> {
    /// The connection.
    pub(crate) fn conn(&mut self) -> Option<&mut C> {
        self.conn.as_mut()
    }

    /// Where it came from.
    pub(crate) fn origin(&self) -> Origin {
        self.origin
    }

    /// Throws the connection away instead of returning it (it may be broken).
    pub(crate) fn discard(mut self) {
        self.conn = None;
    }
}

impl<C: Send + 'static> Drop for Pooled<C> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.idle().push(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reuses_idle_connections_and_forgets_discarded_ones() {
        let pool: Pool<u32> = Pool::new(2);
        let made = std::sync::atomic::AtomicU32::new(0);
        let connect =
            || async { Ok::<_, ()>(made.fetch_add(1, std::sync::atomic::Ordering::SeqCst)) };
        let mut a = pool.get(|_| true, connect).await.unwrap();
        assert_eq!((a.conn().copied(), a.origin()), (Some(0), Origin::Fresh));
        drop(a);
        let mut b = pool.get(|_| true, connect).await.unwrap();
        assert_eq!((b.conn().copied(), b.origin()), (Some(0), Origin::Idle));
        b.discard();
        let mut c = pool.get(|_| true, connect).await.unwrap();
        assert_eq!(c.conn().copied(), Some(1));
        drop(c);
        let mut d = pool.get(|_| false, connect).await.unwrap();
        assert_eq!(
            d.conn().copied(),
            Some(2),
            "unusable idle connections are dropped"
        );
    }
}
