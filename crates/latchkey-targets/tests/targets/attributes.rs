//! Attribute writes (`replace_attribute`, a post action's write) against a real slapd: the
//! value is replaced and reads back whole; an attribute the schema does not know, or a password
//! attribute, is refused with a clear error and changes nothing; PostgreSQL roles say plainly
//! that they have no attributes to write.

use crate::util::{TestResult, ldap_target, slapd};
use latchkey_core::ids::TargetId;
use latchkey_core::secret::Password;
use latchkey_core::target::{PasswordMethod, TargetConnector, TargetDef, TargetError, TargetKind};
use latchkey_targets::PgTarget;
use latchkey_testkit::Slapd;

#[tokio::test]
async fn description_is_replaced_and_an_unknown_attribute_changes_nothing() -> TestResult {
    let dir = slapd(2, 0)?;
    let t = ldap_target(&dir, PasswordMethod::Exop);
    let dn = Slapd::user_dn(1);
    let first = "Reset by self-service at 2026-01-01T00:00:00Z";
    t.replace_attribute(&dn, "description", first).await?;
    let read = t.read_account(&dn).await?;
    assert_eq!(read.attributes.get("description"), [first]);

    // Replaced, not added to; a value with `%`, a comma, a newline and non-ASCII is one value.
    let tricky = "Zoë 100% done, cn=x\nline2 漢";
    t.replace_attribute(&dn, "DESCRIPTION", tricky).await?;
    let read = t.read_account(&dn).await?;
    assert_eq!(read.attributes.get("description"), [tricky]);

    let unknown = t
        .replace_attribute(&dn, "latchkeyNoSuchAttribute", "x")
        .await;
    assert!(
        matches!(&unknown, Err(TargetError::Unsupported(m))
            if m.contains("latchkeyNoSuchAttribute") && m.contains("no such attribute type")
                && m.contains("nothing was changed")),
        "{unknown:?}"
    );
    for password in ["userPassword", "pwdAccountLockedTime", "2.5.4.35"] {
        let refused = t.replace_attribute(&dn, password, "Other-Passw0rd").await;
        assert!(
            matches!(&refused, Err(TargetError::Unsupported(m)) if m.contains("password")),
            "{password}: {refused:?}"
        );
    }
    let read = t.read_account(&dn).await?;
    assert_eq!(
        read.attributes.get("description"),
        [tricky],
        "nothing changed"
    );
    assert!(read.attributes.get("latchkeynosuchattribute").is_empty());
    assert!(
        t.verify_password(&dn, &Password::new(Slapd::initial_password(1)))
            .await
            .is_ok(),
        "the password was not touched"
    );

    // An empty value removes the attribute; another account is untouched throughout.
    t.replace_attribute(&dn, "description", "").await?;
    assert!(
        t.read_account(&dn)
            .await?
            .attributes
            .get("description")
            .is_empty()
    );
    let other = t.read_account(&Slapd::user_dn(0)).await?;
    assert!(other.attributes.get("description").is_empty());

    let missing = t
        .replace_attribute("uid=nobody,ou=people,dc=example,dc=org", "description", "x")
        .await;
    assert!(
        matches!(missing, Err(TargetError::NoSuchAccount(_))),
        "{missing:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_postgres_role_has_no_attributes_to_write() -> TestResult {
    let def = TargetDef::new(
        TargetId::new("PG")?,
        TargetKind::Postgres,
        "postgres://127.0.0.1:1/postgres",
        "svc",
    );
    let t = PgTarget::new(def, Some(Password::new("x")))?;
    let got = t.replace_attribute("alice", "description", "x").await;
    assert!(
        matches!(&got, Err(TargetError::Unsupported(m)) if m.contains("PostgreSQL")),
        "{got:?}"
    );
    Ok(())
}
