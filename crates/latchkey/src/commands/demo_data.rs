//! The demo's people and what the first `latchkey demo` run stores: 20 colleagues, an
//! administrator with every privilege, the user classes `MPR_ADMINS` (static) and `IT_STAFF`
//! (rule-based, cache recalculated), one setting, and three people enrolled in the shipped
//! security questions (their answers go to `credentials.txt` with their passwords).

use anyhow::Context as _;
use latchkey_core::admin::Privilege;
use latchkey_core::condition::Condition;
use latchkey_core::ids::{ProfileId, UserClassId};
use latchkey_core::password_hash::{Argon2Params, PasswordHashString};
use latchkey_core::profile::{Attributes, LoginId, NewProfile, Profile};
use latchkey_core::repo::{AdminRepo, ProfileRepo, SettingsRepo, UserClassRepo};
use latchkey_core::secret::Password;
use latchkey_core::settings::{NS_AUTH, validate_row};
use latchkey_core::userclass::{MPR_ADMINS, MembershipRule, RuleMode, UserClass, compute_members};
use latchkey_server::os::OsRandom;
use latchkey_store::Store;
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// One demo person: login id, display name, department, title.
struct Person(&'static str, &'static str, &'static str, &'static str);

const PEOPLE: [Person; 20] = [
    Person("alice.martin", "Alice Martin", "IT", "Systems Engineer"),
    Person("bilal.haddad", "Bilal Haddad", "Finance", "Accountant"),
    Person("chen.wei", "Chen Wei", "IT", "Network Administrator"),
    Person("dagny.olsen", "Dagny Olsen", "Sales", "Account Executive"),
    Person(
        "emeka.okafor",
        "Emeka Okafor",
        "Operations",
        "Logistics Coordinator",
    ),
    Person(
        "fatima.benali",
        "Fatima Benali",
        "HR",
        "HR Business Partner",
    ),
    Person("giulia.rossi", "Giulia Rossi", "Marketing", "Brand Manager"),
    Person(
        "hiroshi.tanaka",
        "Hiroshi Tanaka",
        "IT",
        "Service Desk Analyst",
    ),
    Person("ingrid.johansson", "Ingrid Johansson", "Legal", "Counsel"),
    Person("jose.garcia", "José García", "Sales", "Sales Manager"),
    Person(
        "kavya.reddy",
        "Kavya Reddy",
        "Finance",
        "Financial Controller",
    ),
    Person(
        "liam.obrien",
        "Liam O'Brien",
        "Operations",
        "Facilities Manager",
    ),
    Person(
        "mariana.costa",
        "Mariana Costa",
        "Marketing",
        "Content Strategist",
    ),
    Person("nikolai.petrov", "Nikolai Petrov", "IT", "Security Officer"),
    Person("olivia.smith", "Olivia Smith", "HR", "Recruiter"),
    Person(
        "priya.sharma",
        "Priya Sharma",
        "Sales",
        "Sales Representative",
    ),
    Person(
        "quentin.dubois",
        "Quentin Dubois",
        "Finance",
        "Payroll Specialist",
    ),
    Person(
        "rania.aziz",
        "Rania Aziz",
        "Operations",
        "Operations Director",
    ),
    Person("sven.berg", "Sven Berg", "IT", "Database Administrator"),
    Person(
        "thandiwe.ndlovu",
        "Thandiwe Ndlovu",
        "Legal",
        "Compliance Analyst",
    ),
];

/// The administrator's login id.
pub const ADMIN_LOGIN: &str = "admin";

/// A login and the password given to it, for the credentials file.
#[derive(Debug)]
pub struct Credential {
    /// Login id.
    pub login: LoginId,
    /// Display name.
    pub name: String,
    /// The clear password (the store holds only its hash).
    pub password: Password,
}

/// The profiles to create, with their passwords, the administrator first.
pub fn people(now: OffsetDateTime) -> anyhow::Result<Vec<(Profile, Password)>> {
    let admin = Person(
        ADMIN_LOGIN,
        "Demo Administrator",
        "IT",
        "Identity Administrator",
    );
    let mut out = Vec::with_capacity(PEOPLE.len() + 1);
    for (i, person) in std::iter::once(&admin).chain(PEOPLE.iter()).enumerate() {
        let Person(login, name, department, title) = *person;
        let mut attributes = Attributes::new();
        attributes.add("department", department)?;
        attributes.add("title", title)?;
        attributes.add("employeeNumber", format!("E{}", 1000 + i))?;
        // 555-01xx numbers are reserved for fiction: they reach nobody.
        attributes.add("mobile", format!("+1 555 01{i:02}"))?;
        let profile = NewProfile {
            login_id: LoginId::new(login)?,
            display_name: name.to_owned(),
            email: Some(format!("{login}@example.org")),
            attributes,
        }
        .into_profile(ProfileId::generate(now, &mut OsRandom), now)
        .with_context(|| format!("demo person {login}"))?;
        out.push((profile, crate::password::random_password(&mut OsRandom)));
    }
    Ok(out)
}

/// Stores the people (one transaction), the administrator's privileges, the user classes with
/// their membership caches, and the demo's settings.
pub async fn store_all(
    store: &Store,
    people: Vec<(Profile, PasswordHashString)>,
    params: Argon2Params,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let admin_id = people
        .first()
        .map(|(p, _)| p.id)
        .context("no demo administrator")?;
    let batch: Vec<(Profile, Option<PasswordHashString>)> =
        people.into_iter().map(|(p, h)| (p, Some(h))).collect();
    store
        .create_profiles(&batch)
        .await
        .context("cannot store the demo people")?;
    store
        .grant(admin_id, &Privilege::ALL)
        .await
        .context("cannot make the demo administrator")?;

    let profiles: Vec<Profile> = batch.into_iter().map(|(p, _)| p).collect();
    let classes = [
        UserClass {
            id: UserClassId::new(MPR_ADMINS)?,
            description: "Administrators allowed to run mass password resets".into(),
            static_members: BTreeSet::from([admin_id]),
            rules: Vec::new(),
            mode: RuleMode::All,
        },
        UserClass {
            id: UserClassId::new("IT_STAFF")?,
            description: "Everyone in the IT department".into(),
            static_members: BTreeSet::new(),
            rules: vec![MembershipRule {
                attribute: "department".into(),
                condition: Condition::Equal,
                value: "IT".into(),
            }],
            mode: RuleMode::All,
        },
    ];
    for class in &classes {
        store.save_user_class(class).await?;
        let members = compute_members(class, &profiles)
            .with_context(|| format!("user class {}", class.id))?;
        store.replace_members(&class.id, &members, now).await?;
    }

    let row = validate_row(NS_AUTH, "MAX_USERAUTH_FAILURE", "5", false)?;
    store
        .replace_setting(&row.namespace, &row.setting, std::slice::from_ref(&row))
        .await?;
    super::demo_answers::enrol_all(store, &profiles, params, now).await
}

/// The text of `credentials.txt`.
pub fn credentials_text(credentials: &[Credential], now: OffsetDateTime) -> String {
    let stamp = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let width = credentials
        .iter()
        .map(|c| c.login.as_str().len())
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "# Latchkey demo logins, created {stamp}.\n\
         # Anyone who can read this file can sign in as these people: keep it to yourself.\n\
         # The first one is the administrator (every privilege, member of {MPR_ADMINS}).\n\
         #\n\
         # login{pad}  password             name\n",
        pad = " ".repeat(width.saturating_sub(5))
    );
    for c in credentials {
        // Declassified on purpose: this file exists to hand the demo passwords to its owner.
        out.push_str(&format!(
            "{:<width$}  {:<19}  {}\n",
            c.login.as_str(),
            c.password.expose(),
            c.name
        ));
        // A comment line, so tools reading "login password" lines are not confused.
        if let Some(line) = super::demo_answers::credentials_line(c.login.as_str()) {
            out.push_str(&line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_people_are_valid_and_distinct() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let people = people(now).unwrap();
        assert_eq!(people.len(), 21);
        assert_eq!(people[0].0.login_id.as_str(), ADMIN_LOGIN);
        let logins: BTreeSet<&str> = people.iter().map(|(p, _)| p.login_id.as_str()).collect();
        assert_eq!(logins.len(), 21);
        let passwords: BTreeSet<&str> = people.iter().map(|(_, pw)| pw.expose()).collect();
        assert_eq!(passwords.len(), 21);
        let it = people
            .iter()
            .filter(|(p, _)| p.attributes.first("department") == Some("IT"))
            .count();
        assert_eq!(it, 6);
        assert_eq!(
            people[1].0.attributes.first("mail"),
            Some("alice.martin@example.org")
        );
    }

    #[test]
    fn credentials_file_lists_every_login_once() {
        let creds: Vec<Credential> = people(OffsetDateTime::UNIX_EPOCH)
            .unwrap()
            .into_iter()
            .map(|(p, password)| Credential {
                login: p.login_id,
                name: p.display_name,
                password,
            })
            .collect();
        let text = credentials_text(&creds, OffsetDateTime::UNIX_EPOCH);
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(lines.len(), 21);
        assert!(lines[0].starts_with("admin "));
        assert!(lines[0].contains(creds[0].password.expose()));
        let alice = text
            .lines()
            .position(|l| l.starts_with("alice.martin "))
            .unwrap();
        assert_eq!(
            text.lines().nth(alice + 1),
            Some(
                "#   security answers: STANDARD/first_pet = Biscuit; STANDARD/first_school = \
                 Ecole Jean Jaures; STANDARD/first_car = Fiat Panda"
            )
        );
    }
}
