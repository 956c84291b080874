//! The mass password reset pages: hidden (404) from everyone but a member of MPR_ADMINS holding
//! mass_password_reset, a fresh sign-in for every change, and a real run against OpenLDAP —
//! plan, confirm, start, watch, pause, resume, cancel, report — whose pages and downloads never
//! hold a password.

use crate::client::{Browser, Page};
use crate::on_both;
use crate::vault_pages::stale_browser;
use latchkey_core::admin::Privilege;
use latchkey_core::ids::{ProfileId, TargetId, UserClassId};
use latchkey_core::mpr::repo::MprRepo;
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AdminRepo, AuditRepo, ProfileRepo, SettingsRepo, UserClassRepo};
use latchkey_core::secret::Password;
use latchkey_core::settings::SettingRow;
use latchkey_core::target::repo::{StoredTarget, TargetRepo};
use latchkey_core::target::{PasswordMethod, TargetConnector, TargetDef, TargetKind};
use latchkey_core::userclass::{MPR_ADMINS, RuleMode, UserClass};
use latchkey_server::os::OsRandom;
use latchkey_targets::credentials;
use latchkey_targets::discovery::{DiscoveryOptions, discover};
use latchkey_testkit::{PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, Slapd, SlapdOptions, TestServer};
use latchkey_vault::{Envelope, Vault};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Makes `members` (and only them) the members of MPR_ADMINS.
pub(crate) async fn mpr_admins(server: &TestServer, members: &[ProfileId]) {
    let class = UserClass {
        id: UserClassId::new(MPR_ADMINS).unwrap(),
        description: "mass reset operators".into(),
        static_members: members.iter().copied().collect(),
        rules: Vec::new(),
        mode: RuleMode::All,
    };
    server.store.save_user_class(&class).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let store = &server.store;
    store
        .replace_members(&class.id, &class.static_members, now)
        .await
        .unwrap();
}

/// A user `ops` who may run mass resets, signed in just now.
pub(crate) async fn operator(server: &TestServer) -> (Profile, Browser) {
    let ops = server.add_user("ops", "operators password").await.unwrap();
    server
        .store
        .grant(ops.id, &[Privilege::MassPasswordReset])
        .await
        .unwrap();
    mpr_admins(server, &[ops.id]).await;
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("ops", "operators password").await.status, 303);
    (ops, b)
}

pub(crate) async fn setting(server: &TestServer, namespace: &str, setting: &str, value: &str) {
    let row = SettingRow {
        namespace: namespace.into(),
        setting: setting.into(),
        value: value.into(),
    };
    server.store.add_setting(&row).await.unwrap();
}

/// A slapd with `users` accounts registered as target `LDAP` (service password sealed with the
/// server's master key) and discovered; the first `owners` accounts have a profile (by mail).
pub(crate) async fn ldap_target(
    server: &TestServer,
    users: usize,
    owners: usize,
) -> (Slapd, Vec<Profile>) {
    let ldap = Slapd::start(SlapdOptions {
        users,
        dbnosync: true,
        log_level: "none".into(),
        ..SlapdOptions::default()
    })
    .unwrap();
    let mut profiles = Vec::new();
    for i in 0..owners {
        let mut p = server
            .add_user(&Slapd::user_uid(i), "own password")
            .await
            .unwrap();
        p.attributes.add("mail", Slapd::user_mail(i)).unwrap();
        server.store.update_profile(&p).await.unwrap();
        profiles.push(p);
    }
    let mut def = TargetDef::new(
        TargetId::new("LDAP").unwrap(),
        TargetKind::Ldap,
        &ldap.url(),
        SERVICE_DN,
    );
    def.base_dn = PEOPLE_DN.into();
    def.password_method = PasswordMethod::Exop;
    def.association_attribute = Some("mail".into());
    let master = server.state.master_key.as_ref().unwrap();
    let sealed = credentials::seal(
        master,
        &def,
        &Password::new(SERVICE_PASSWORD),
        &mut OsRandom,
    );
    let now = OffsetDateTime::now_utc();
    let stored = StoredTarget {
        def,
        sealed_secret: Some(sealed.unwrap()),
        created_at: now,
        updated_at: now,
    };
    server.store.create_target(&stored).await.unwrap();
    let connector = credentials::connector(Some(master), &stored).unwrap();
    let found = discover(
        &connector,
        &stored.def,
        &server.store,
        DiscoveryOptions::default(),
    );
    assert_eq!(found.await.unwrap().associated, owners as u64);
    setting(server, "MASS_PASSWORD_RESET", "TARGETS", "LDAP").await;
    (ldap, profiles)
}

/// Plans and confirms a run of `kind`; returns the pages seen and the run's address.
pub(crate) async fn plan_and_start(b: &mut Browser, kind: &str, seen: &mut Vec<Page>) -> String {
    let csrf = b.csrf();
    let plan = b
        .post("/admin/mpr/plan", &[("csrf", &csrf), ("kind", kind)])
        .await;
    assert_eq!(plan.status, 200, "{}", plan.body);
    let digest = plan_digest(&plan);
    let started = b
        .post(
            "/admin/mpr/start",
            &[
                ("csrf", &csrf),
                ("kind", kind),
                ("confirm", "yes"),
                ("plan", &digest),
            ],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let at = started.headers["location"].to_str().unwrap().to_owned();
    seen.push(plan);
    seen.push(b.get(&at).await);
    at
}

/// The plan fingerprint the confirm page posts back.
pub(crate) fn plan_digest(page: &Page) -> String {
    let (_, after) = page
        .body
        .split_once("name=\"plan\" value=\"")
        .expect("the confirm page carries the plan's fingerprint");
    after.split('"').next().unwrap_or_default().to_owned()
}

/// Polls the progress JSON until the run stops moving.
pub(crate) async fn until_stopped(
    b: &mut Browser,
    at: &str,
    seen: &mut Vec<Page>,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let page = b.get(&format!("{at}/progress")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let json: serde_json::Value = serde_json::from_str(&page.body).unwrap();
        seen.push(page);
        if json["active"] == false {
            return json;
        }
        assert!(Instant::now() < deadline, "the run did not finish: {json}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What every denied request gets: the page of an unknown address.
async fn hidden(b: &mut Browser, nowhere: &Page) {
    let csrf = b
        .cookies
        .get("__Host-latchkey_csrf")
        .cloned()
        .unwrap_or_default();
    let run = "/admin/mpr/0190a000-0000-7000-8000-000000000000";
    let form = [
        ("csrf", csrf.as_str()),
        ("kind", "reset"),
        ("confirm", "yes"),
    ];
    let home = b.get("/").await;
    assert!(!home.body.contains("/admin/mpr"), "{}", home.body);
    let mut pages = Vec::new();
    for path in [
        "/admin/mpr",
        "/admin/mpr/plan",
        run,
        &format!("{run}/progress"),
    ] {
        pages.push(b.get(path).await);
    }
    for path in [
        "/admin/mpr/plan",
        "/admin/mpr/start",
        &format!("{run}/pause"),
    ] {
        pages.push(b.post(path, &form).await);
    }
    pages.push(b.get(&format!("{run}/report.csv")).await);
    for page in pages {
        assert_eq!((page.status, &page.body), (404, &nowhere.body));
    }
}

on_both!(the_feature_is_hidden_from_everyone_else, |server| {
    let nowhere = Browser::new(&server.url).get("/no-such-page").await;
    assert_eq!(nowhere.status, 404);
    server.add_user("pat", "pats password").await.unwrap();
    let mia = server.add_user("mia", "mias password").await.unwrap();
    let ned = server.add_user("ned", "neds password").await.unwrap();
    // mia is in the class without the privilege; ned holds it outside the class.
    for (who, privilege) in [
        (&mia, Privilege::ManageTargets),
        (&ned, Privilege::MassPasswordReset),
    ] {
        server.store.grant(who.id, &[privilege]).await.unwrap();
    }
    mpr_admins(&server, &[mia.id]).await;
    hidden(&mut Browser::new(&server.url), &nowhere).await;
    for (login, password) in [
        ("pat", "pats password"),
        ("mia", "mias password"),
        ("ned", "neds password"),
    ] {
        let mut b = Browser::new(&server.url);
        assert_eq!(b.sign_in(login, password).await.status, 303);
        hidden(&mut b, &nowhere).await;
    }
    // A stale session of someone who may not see it is not sent to sign in again either.
    hidden(&mut stale_browser(&server, &ned).await, &nowhere).await;

    let (_, mut b) = operator(&server).await;
    let home = b.get("/").await;
    assert!(home.body.contains("href=\"/admin/mpr\""), "{}", home.body);
    let page = b.get("/admin/mpr").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("The settings do not make a valid request"),
        "{}",
        page.body
    );
});

on_both!(a_stale_session_signs_in_again_and_comes_back, |server| {
    let (ops, _) = operator(&server).await;
    let mut b = stale_browser(&server, &ops).await;
    let home = b.get("/").await;
    assert!(home.body.contains("href=\"/admin/mpr\""));
    let csrf = b.csrf();
    let want = "/login?USERID=ops&next=%2Fadmin%2Fmpr";
    let page = b.get("/admin/mpr").await;
    assert_eq!(
        (page.status, page.headers["location"].to_str().unwrap()),
        (303, want)
    );
    let plan = b
        .post("/admin/mpr/plan", &[("csrf", &csrf), ("kind", "reset")])
        .await;
    assert_eq!(
        (plan.status, plan.headers["location"].to_str().unwrap()),
        (303, want)
    );
    let prompt = b.get(want).await;
    assert!(
        prompt.body.contains("Enter your password"),
        "{}",
        prompt.body
    );
    let done = b.step(&prompt, &[("password", "operators password")]).await;
    assert_eq!(
        (done.status, done.headers["location"].to_str().unwrap()),
        (303, "/admin/mpr")
    );
    assert_eq!(b.get("/admin/mpr").await.status, 200);
});

on_both!(next_goes_only_to_paths_of_this_site, |server| {
    server.add_user("una", "unas password").await.unwrap();
    for next in [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/admin/mpr",
    ] {
        let mut b = Browser::new(&server.url);
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("USERID", "una")
            .append_pair("next", next)
            .finish();
        let prompt = b.get(&format!("/login?{query}")).await;
        // The login chain's `cgijump` refuses some destinations outright; whatever it lets
        // through, the sign-in ends on this site.
        if prompt.status == 401 {
            assert!(!b.cookies.contains_key("__Host-latchkey_session"));
            continue;
        }
        let done = b.step(&prompt, &[("password", "unas password")]).await;
        assert_eq!(done.status, 303, "next={next:?}: {}", done.body);
        let want = if next == "/admin/mpr" { next } else { "/" };
        assert_eq!(done.headers["location"], want, "next={next:?}");
    }
});

on_both!(
    an_operator_onboards_then_resets_and_never_sees_a_password,
    |server| {
        let (_ldap, owners) = ldap_target(&server, 4, 3).await;
        setting(&server, "MASS_PASSWORD_ONBOARD", "BATCH_SIZE", "2").await;
        let (_, mut b) = operator(&server).await;
        let mut seen = Vec::new();
        let index = b.get("/admin/mpr").await;
        assert!(index.body.contains("<dd>LDAP</dd>"), "{}", index.body);
        assert!(
            index.body.contains("Accounts per batch</dt><dd>2</dd>"),
            "{}",
            index.body
        );
        seen.push(index);

        // The plan shows who is in and who is skipped, and why.
        let csrf = b.csrf();
        let plan = b
            .post("/admin/mpr/plan", &[("csrf", &csrf), ("kind", "onboard")])
            .await;
        assert!(
            plan.body
                .contains("<strong>3</strong> accounts get a new password"),
            "{}",
            plan.body
        );
        assert!(plan.body.contains("no owner"), "{}", plan.body);
        // A scoped dry run: only the named accounts, and nothing to start.
        let named = format!("{}\n{}", Slapd::user_dn(0), Slapd::user_dn(1));
        let scoped = [
            ("csrf", csrf.as_str()),
            ("kind", "onboard"),
            ("accounts", &named),
            ("dry_run", "yes"),
        ];
        let dry = b.post("/admin/mpr/plan", &scoped).await;
        assert!(
            dry.body.contains("<strong>2</strong> accounts"),
            "{}",
            dry.body
        );
        assert!(!dry.body.contains("/admin/mpr/start"), "{}", dry.body);
        let unknown = [
            ("csrf", csrf.as_str()),
            ("kind", "onboard"),
            ("user_classes", "NOPE"),
        ];
        assert_eq!(b.post("/admin/mpr/plan", &unknown).await.status, 400);
        // Neither an unconfirmed nor a forged start stores a run.
        let unconfirmed = b
            .post("/admin/mpr/start", &[("csrf", &csrf), ("kind", "onboard")])
            .await;
        assert_eq!(unconfirmed.status, 400);
        let forged = [("csrf", ""), ("kind", "onboard"), ("confirm", "yes")];
        assert_eq!(b.post("/admin/mpr/start", &forged).await.status, 403);
        // Only the plan reviewed starts: not one whose accounts differ from it (here, the
        // scoped plan's fingerprint for the whole run), nor one never reviewed.
        let two = [
            ("csrf", csrf.as_str()),
            ("kind", "onboard"),
            ("accounts", &named),
        ];
        let two = b.post("/admin/mpr/plan", &two).await;
        for reviewed in [plan_digest(&two), String::new()] {
            let changed = b
                .post(
                    "/admin/mpr/start",
                    &[
                        ("csrf", csrf.as_str()),
                        ("kind", "onboard"),
                        ("confirm", "yes"),
                        ("plan", &reviewed),
                    ],
                )
                .await;
            assert_eq!(changed.status, 400, "{}", changed.body);
            assert!(
                changed.body.contains(
                    "the accounts in scope changed since you reviewed the plan (3 accounts"
                ),
                "{}",
                changed.body
            );
        }
        assert!(server.store.jobs(10).await.unwrap().is_empty());

        let onboard = plan_and_start(&mut b, "onboard", &mut seen).await;
        assert!(seen.last().unwrap().body.contains("<progress id=\"bar\""));
        let done = until_stopped(&mut b, &onboard, &mut seen).await;
        assert_eq!(
            (done["status"].as_str(), done["done"].as_u64()),
            (Some("finished"), Some(3)),
            "{done}"
        );
        assert_eq!(done["skipped"], 1);

        let reset = plan_and_start(&mut b, "reset", &mut seen).await;
        let done = until_stopped(&mut b, &reset, &mut seen).await;
        assert_eq!(
            (done["status"].as_str(), done["done"].as_u64()),
            (Some("finished"), Some(3)),
            "{done}"
        );
        seen.push(b.get(&reset).await);
        seen.push(b.get("/admin/mpr").await);

        let csv = b.get(&format!("{reset}/report.csv")).await;
        assert_eq!(csv.status, 200);
        assert!(
            csv.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert!(csv.body.lines().count() > 3, "{}", csv.body);
        assert!(csv.body.contains(&Slapd::user_dn(0)), "{}", csv.body);
        let report = b.get(&format!("{onboard}/report.html")).await;
        assert_eq!(report.status, 200);
        seen.extend([csv, report]);
        let audit = server.store.recent_audit(200).await.unwrap();
        for action in ["mpr.plan", "mpr.start", "mpr.report"] {
            assert!(
                audit.iter().any(|e| e.action == action),
                "{action}: {audit:?}"
            );
        }

        // The owners read their passwords (the current and the onboarding one); the target holds
        // the current one, and no page the operator saw holds any of them.
        let master = server.state.master_key.as_ref().unwrap();
        let vault = Vault::new(server.store.clone(), Envelope::new(master, &[]).unwrap());
        let stored = server
            .store
            .target(&TargetId::new("LDAP").unwrap())
            .await
            .unwrap()
            .unwrap();
        let connector = credentials::connector(Some(master), &stored).unwrap();
        let mut passwords = Vec::new();
        for (i, owner) in owners.iter().enumerate() {
            let items = vault.items_of(owner.id).await.unwrap();
            assert_eq!(items.len(), 1, "{items:?}");
            let now = OffsetDateTime::now_utc();
            let current = vault.reveal(items[0].id, owner.id, now).await.unwrap();
            connector
                .verify_password(&Slapd::user_dn(i), &current)
                .await
                .unwrap();
            passwords.push(current.expose().to_owned());
            for past in vault.history(items[0].id, owner.id, now).await.unwrap() {
                passwords.push(past.secret.expose().to_owned());
            }
        }
        assert!(
            passwords.len() >= 6,
            "an onboarding and a reset password each"
        );
        let holds = |page: &Page| passwords.iter().any(|p| page.body.contains(p.as_str()));
        if let Some(page) = seen.iter().find(|page| holds(page)) {
            panic!("a password in {}", page.body);
        }
    }
);

on_both!(a_run_is_paused_resumed_and_cancelled, |server| {
    let (_ldap, _) = ldap_target(&server, 6, 6).await;
    for (setting_name, value) in [("BATCH_SIZE", "1"), ("RATE_PER_SECOND", "2")] {
        for ns in ["MASS_PASSWORD_ONBOARD", "MASS_PASSWORD_RESET"] {
            setting(&server, ns, setting_name, value).await;
        }
    }
    let (_, mut b) = operator(&server).await;
    let mut seen = Vec::new();
    let at = plan_and_start(&mut b, "onboard", &mut seen).await;
    let csrf = b.csrf();
    assert_eq!(
        b.post(&format!("{at}/pause"), &[("csrf", "")]).await.status,
        403
    );
    let paused = b.post(&format!("{at}/pause"), &[("csrf", &csrf)]).await;
    assert_eq!(paused.status, 303, "{}", paused.body);
    // The runner stops at the end of its pass over the journal, whatever it had in hand.
    let stopped = until_stopped(&mut b, &at, &mut seen).await;
    assert_eq!(stopped["status"], "paused", "{stopped}");
    let page = b.get(&at).await;
    assert!(
        page.body.contains(&format!("action=\"{at}/resume\"")),
        "{}",
        page.body
    );

    let resumed = b.post(&format!("{at}/resume"), &[("csrf", &csrf)]).await;
    assert_eq!(resumed.status, 303, "{}", resumed.body);
    let finished = until_stopped(&mut b, &at, &mut seen).await;
    assert_eq!(
        (finished["status"].as_str(), finished["done"].as_u64()),
        (Some("finished"), Some(6))
    );
    let late = b.post(&format!("{at}/cancel"), &[("csrf", &csrf)]).await;
    assert_eq!(
        late.status, 400,
        "a finished run cannot be cancelled: {}",
        late.body
    );

    let reset = plan_and_start(&mut b, "reset", &mut seen).await;
    let cancelled = b.post(&format!("{reset}/cancel"), &[("csrf", &csrf)]).await;
    assert_eq!(cancelled.status, 303, "{}", cancelled.body);
    let stopped = until_stopped(&mut b, &reset, &mut seen).await;
    assert_eq!(stopped["status"], "cancelled", "{stopped}");
    assert_eq!(
        stopped["remaining"], 0,
        "accounts started are finished, the others skipped"
    );
    assert_eq!(stopped["finished"], stopped["total"]);
    let audit = server.store.recent_audit(200).await.unwrap();
    for action in ["mpr.pause", "mpr.resume", "mpr.cancel"] {
        assert!(audit.iter().any(|e| e.action == action), "{action}");
    }
});
