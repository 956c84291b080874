//! Generated passwords never reach the logs: a whole onboarding and reset, with a lost answer
//! and a refusal on the way, logged at TRACE level from every crate, then grepped.

use crate::common::{Db, OsRng, World};
use latchkey_core::mpr::job::JobKind;
use latchkey_mpr::{RunOptions, run, start};
use latchkey_testkit::{Fault, Op};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// One thread, so the subscriber set here sees every task the runner spawns.
#[tokio::test(flavor = "current_thread")]
async fn no_generated_password_is_ever_logged() -> crate::common::TestResult {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let w = World::new(Db::Sqlite, 8, true).await;
    let proxy = w.proxy.as_ref().unwrap();
    let mut seen = Vec::new();
    for (kind, fault) in [
        (
            JobKind::Onboard,
            Fault::DropResponseAfterApply {
                op: Op::PasswordModify,
            },
        ),
        (
            JobKind::Reset,
            Fault::RefuseBeforeApply {
                op: Op::PasswordModify,
                diagnostic: "Password fails quality checking policy".into(),
            },
        ),
    ] {
        proxy.arm(fault);
        let (job, _) = start(&w.store, w.request(kind), "admin", &mut OsRng).await?;
        run(
            &w.store,
            &w.master,
            job.unwrap(),
            OsRng,
            &RunOptions::default(),
        )
        .await?;
        seen.extend(w.vault_passwords().await.into_values());
    }
    assert_eq!(proxy.fired(), 2);
    assert!(w.mismatches().await.is_empty());
    let log = String::from_utf8(captured.0.lock().unwrap().clone())?;
    assert!(log.len() > 1000, "the run logged something: {log}");
    for pw in &seen {
        assert!(
            !log.contains(pw.expose()),
            "a generated password is in the log"
        );
    }
    Ok(())
}
