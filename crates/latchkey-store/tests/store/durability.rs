//! Commits are synced before they return (rule 1 of the mass reset holds across a power cut).

use crate::common::{on_both, postgres, sqlite};
use sqlx::Connection;

on_both!(every_commit_waits_for_its_sync, |store| {
    let d = store.durability().await.unwrap();
    assert!(d.commits_wait_for_sync, "{d:?}");
});

#[tokio::test]
async fn sqlite_syncs_its_log_at_every_commit() {
    let t = sqlite().await;
    let d = t.store.durability().await.unwrap();
    assert!(d.is_durable(), "{d:?}");
    assert_eq!(d.settings, "synchronous = 2");
}

/// The testkit's server runs with `synchronous_commit = off` and `fsync = off` (throwaway data):
/// the store's sessions turn the first back on; the second is reported, not durable.
#[tokio::test]
async fn postgres_sessions_turn_synchronous_commit_on_and_report_fsync_off() {
    let t = postgres().await;
    let mut raw = sqlx::PgConnection::connect(&t.url).await.unwrap();
    let server_default: String = sqlx::query_scalar("SHOW synchronous_commit")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    assert_eq!(server_default, "off");
    let d = t.store.durability().await.unwrap();
    assert!(d.commits_wait_for_sync, "{d:?}");
    assert_eq!(d.settings, "synchronous_commit = on, fsync = off");
    assert!(!d.syncs_to_disk, "{d:?}");
    assert!(!d.is_durable());
}

/// A stronger setting the administrator chose is left alone.
#[tokio::test]
async fn postgres_keeps_a_stronger_synchronous_commit() {
    let t = postgres().await;
    let mut raw = sqlx::PgConnection::connect(&t.url).await.unwrap();
    let db: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE \"{db}\" SET synchronous_commit = 'local'"
    )))
    .execute(&mut raw)
    .await
    .unwrap();
    let store = latchkey_store::Store::open(&t.url, latchkey_store::StoreOptions::default())
        .await
        .unwrap();
    let d = store.durability().await.unwrap();
    assert!(d.commits_wait_for_sync);
    assert!(
        d.settings.starts_with("synchronous_commit = local,"),
        "{d:?}"
    );
}
