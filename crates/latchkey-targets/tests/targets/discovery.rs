//! Discovery against real slapd directories, into real stores (SQLite and PostgreSQL).

use crate::util::{TestResult, ldap_def, ldap_target, slapd};
use latchkey_core::ids::ProfileId;
use latchkey_core::profile::{Attributes, LoginId, Profile};
use latchkey_core::repo::{AccountRepo, ProfileRepo};
use latchkey_core::target::repo::{StoredTarget, TargetRepo};
use latchkey_core::target::{
    AccountPages, ListRequest, PasswordMethod, ProfileSource, TargetConnector,
};
use latchkey_store::{Store, StoreOptions};
use latchkey_targets::discovery::{DiscoveryOptions, discover};
use latchkey_testkit::{PgCluster, Slapd};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

fn profile(n: u128, login: &str, mail: &str) -> Profile {
    let mut attributes = Attributes::new();
    attributes.add("mail", mail).unwrap();
    Profile {
        id: ProfileId(Uuid::from_u128(n)),
        login_id: LoginId::new(login).unwrap(),
        display_name: login.to_owned(),
        email: Some(mail.to_owned()),
        attributes,
        enabled: true,
        locked: false,
        created_at: OffsetDateTime::UNIX_EPOCH,
    }
}

async fn save(store: &Store, def: &latchkey_core::target::TargetDef) -> TestResult {
    let now = OffsetDateTime::now_utc();
    store
        .create_target(&StoredTarget {
            def: def.clone(),
            sealed_secret: None,
            created_at: now,
            updated_at: now,
        })
        .await?;
    Ok(())
}

/// 10,000 directory accounts associated by mail with 10,000 profiles, among them accounts that
/// match no profile, several profiles, or have no mail at all: those are reported and keep no
/// owner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_accounts_are_associated_by_mail_and_the_doubtful_reported() -> TestResult {
    let n = 10_000;
    let dir = slapd(n, 0)?;
    let unmatched = [20, 21, 22, 23];
    let ambiguous = [10, 11, 12];
    let no_mail = 30;
    dir.ldapmodify(&format!(
        "dn: {}\nchangetype: modify\ndelete: mail\n-\n",
        Slapd::user_dn(no_mail)
    ))?;

    let tmp = tempfile::tempdir()?;
    let url = format!("sqlite://{}", tmp.path().join("store.db").display());
    let store = Store::open(&url, StoreOptions::default()).await?;
    let mut profiles = Vec::new();
    for i in 0..n {
        if unmatched.contains(&i) {
            continue;
        }
        let k = u128::try_from(i)?;
        profiles.push((profile(k + 1, &format!("p{i}"), &Slapd::user_mail(i)), None));
        if ambiguous.contains(&i) {
            let twin = profile(1_000_000 + k, &format!("twin{i}"), &Slapd::user_mail(i));
            profiles.push((twin, None));
        }
    }
    store.create_profiles(&profiles).await?;

    let mut def = ldap_def(&dir, PasswordMethod::Exop);
    def.association_attribute = Some("mail".into());
    save(&store, &def).await?;
    let t = ldap_target(&dir, PasswordMethod::Exop);
    let started = Instant::now();
    let report = discover(&t, &def, &store, DiscoveryOptions::default()).await?;
    let took = started.elapsed();
    eprintln!("discovery of {n} accounts with association took {took:?}");

    assert_eq!(report.accounts, 10_000);
    let mut got_unmatched = report.unmatched.clone();
    got_unmatched.sort();
    let want: Vec<String> = unmatched.iter().map(|i| Slapd::user_dn(*i)).collect();
    assert_eq!(got_unmatched, want);
    assert_eq!(report.no_value, [Slapd::user_dn(no_mail)]);
    assert_eq!(report.ambiguous.len(), 3);
    for a in &report.ambiguous {
        let i: usize = a.account[8..13].parse()?;
        assert!(ambiguous.contains(&i), "{a:?}");
        let mut names = a.profiles.clone();
        names.sort();
        assert_eq!(names, [format!("p{i}"), format!("twin{i}")]);
    }
    assert_eq!(report.associated, 10_000 - 4 - 3 - 1);

    let owned = store
        .accounts_of_owner(ProfileId(Uuid::from_u128(42 + 1)))
        .await?;
    assert_eq!(owned.len(), 1);
    assert_eq!(owned[0].account_name, Slapd::user_dn(42));
    let all = store.accounts_of_target(&def.id).await?;
    assert_eq!(all.len(), 10_000);
    let doubtful: Vec<_> = all
        .iter()
        .filter(|a| a.owner.is_none())
        .map(|a| a.account_name.clone())
        .collect();
    assert_eq!(
        doubtful.len(),
        8,
        "unmatched, ambiguous and no-mail keep no owner"
    );
    // Ids sort in the order the directory lists its accounts: a mass password run works
    // through them in that order.
    let mut listed = Vec::new();
    let mut pages = t
        .list_accounts(ListRequest {
            page_size: 700,
            changed_since: None,
        })
        .await?;
    while let Some(page) = pages.next_page().await? {
        listed.extend(page.into_iter().map(|e| e.name));
    }
    let mut by_id = all.clone();
    by_id.sort_by_key(|a| a.id);
    let in_id_order: Vec<String> = by_id.into_iter().map(|a| a.account_name).collect();
    assert_eq!(in_id_order.len(), listed.len());
    assert!(
        in_id_order == listed,
        "accounts in id order are not in listing order"
    );
    let last = store.last_discovery(&def.id, true).await?.unwrap();
    assert!(last.ok && last.high_water.is_some());
    assert!(last.report.contains("\"associated\":9992"));

    // A second full run finds the same and changes nothing.
    let again = discover(&t, &def, &store, DiscoveryOptions::default()).await?;
    assert_eq!(again.associated, report.associated);
    assert_eq!(store.accounts_of_target(&def.id).await?.len(), 10_000);
    Ok(())
}

/// A source directory makes profiles; an incremental run reads only what changed since the
/// last one (to the second, the directory's resolution). The store is PostgreSQL here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_directory_makes_profiles_and_incremental_runs_read_changes() -> TestResult {
    let dir = slapd(20, 0)?;
    // Two people share a mailbox: their profiles are made, their accounts stay unowned.
    dir.ldapmodify(&format!(
        "dn: {}\nchangetype: modify\nreplace: mail\nmail: {}\n-\n",
        Slapd::user_dn(5),
        Slapd::user_mail(6)
    ))?;
    let url = PgCluster::shared()?.create_database()?;
    let store = Store::open(&url, StoreOptions::default()).await?;
    let mut def = ldap_def(&dir, PasswordMethod::Exop);
    def.profile_source = Some(ProfileSource {
        login_attribute: "uid".into(),
        display_name_attribute: "cn".into(),
        email_attribute: Some("mail".into()),
    });
    def.association_attribute = Some("mail".into());
    save(&store, &def).await?;
    let t = ldap_target(&dir, PasswordMethod::Exop);
    let incremental = DiscoveryOptions {
        incremental: true,
        page_size: 7,
    };

    let first = discover(&t, &def, &store, incremental).await?;
    assert!(!first.incremental, "no earlier run: everything is read");
    assert_eq!((first.accounts, first.profiles_created), (20, 20));
    assert_eq!(first.associated, 18);
    assert_eq!(first.ambiguous.len(), 2);
    let p3 = store
        .profile_by_login(&LoginId::new("user00003")?)
        .await?
        .unwrap();
    assert_eq!(p3.display_name, "Test User 00003");
    assert_eq!(p3.email.as_deref(), Some("user00003@example.org"));
    assert_eq!(store.accounts_of_owner(p3.id).await?.len(), 1);

    // Changes land a second or more after the seed, so marks tell them apart.
    std::thread::sleep(Duration::from_millis(1_100));
    let rename = |i: usize, cn: &str| {
        dir.ldapmodify(&format!(
            "dn: {}\nchangetype: modify\nreplace: cn\ncn: {cn}\n-\n",
            Slapd::user_dn(i)
        ))
    };
    rename(3, "Renamed Three")?;
    let second = discover(&t, &def, &store, incremental).await?;
    assert!(second.incremental);
    assert_eq!(second.profiles_updated, 1);
    assert_eq!(second.profiles_created, 0);
    std::thread::sleep(Duration::from_millis(1_100));
    rename(4, "Renamed Four")?;
    let third = discover(&t, &def, &store, incremental).await?;
    // Only what changed at or after the last mark: users 3 (the mark itself) and 4.
    assert_eq!(third.accounts, 2, "{third:?}");
    assert_eq!(third.profiles_updated, 1);
    let p4 = store
        .profile_by_login(&LoginId::new("user00004")?)
        .await?
        .unwrap();
    assert_eq!(p4.display_name, "Renamed Four");
    assert_eq!(store.count_profiles().await?, 20);
    Ok(())
}

/// Discovery on a schedule: due targets run once, on the one node that holds the lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_discovery_runs_when_due_on_one_node_only() -> TestResult {
    use latchkey_core::keys::MasterKey;
    use latchkey_core::random::SeededRandom;
    use latchkey_targets::schedule::run_due;
    let dir = slapd(5, 0)?;
    let tmp = tempfile::tempdir()?;
    let url = format!("sqlite://{}", tmp.path().join("store.db").display());
    let store = Store::open(&url, StoreOptions::default()).await?;
    let master = MasterKey::generate(&mut SeededRandom::new(7));
    let mut def = ldap_def(&dir, PasswordMethod::Exop);
    def.discovery_interval_s = Some(3_600);
    let sealed = latchkey_targets::credentials::seal(
        &master,
        &def,
        &crate::util::pw(latchkey_testkit::SERVICE_PASSWORD),
        &mut SeededRandom::new(8),
    )?;
    let now = OffsetDateTime::now_utc();
    store
        .create_target(&StoredTarget {
            def: def.clone(),
            sealed_secret: Some(sealed),
            created_at: now,
            updated_at: now,
        })
        .await?;

    // Another node holds the lease: of two claims at once only one wins, and this node skips.
    let minute = time::Duration::minutes(1);
    assert!(store.claim_discovery(&def.id, now, now + minute).await?);
    assert!(!store.claim_discovery(&def.id, now, now + minute).await?);
    assert!(run_due(&store, Some(&master), now).await?.is_empty());

    // The lease ran out: this node discovers it.
    let later = now + 2 * minute;
    let runs = run_due(&store, Some(&master), later).await?;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome.as_ref().map(|r| r.accounts).ok(), Some(5));
    // Not due again within the interval; due after it.
    assert!(
        run_due(&store, Some(&master), later + 10 * minute)
            .await?
            .is_empty()
    );
    let runs = run_due(&store, Some(&master), now + time::Duration::hours(2)).await?;
    assert_eq!(runs.len(), 1);

    // A wrong master key cannot open the service password: the run is recorded as failed.
    let other = MasterKey::generate(&mut SeededRandom::new(9));
    let runs = run_due(&store, Some(&other), now + time::Duration::hours(4)).await?;
    assert!(runs[0].outcome.is_err());
    let last = store.last_discovery(&def.id, false).await?.unwrap();
    assert!(
        !last.ok && last.report.contains("does not open"),
        "{}",
        last.report
    );
    Ok(())
}
