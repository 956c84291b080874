//! Attribute writes, the second kind of post action (seed 001's "post actions"): after a reset
//! or an unlock has succeeded, the service replaces one attribute's value on the person's
//! account on a target, so the directory records it (a `description`, a ticket number).
//!
//! A write is one `FORGOTTEN_PASSWORD / POST_ACTION_ATTRIBUTE` row,
//! `PROFILE TARGET ATTRIBUTE VALUE` (several rows per profile make several writes):
//!
//! - `TARGET` is a target id (`latchkey targets add`); the account written is the one
//!   discovery associated with the person on that target. A person without one is skipped.
//! - `ATTRIBUTE` is an LDAP attribute name (RFC 4512: a letter, then letters, digits and
//!   hyphens; or a numeric OID). A password, lockout or account-control attribute
//!   (`userPassword`, `unicodePwd`, `pwd…`, `lockoutTime`, `userAccountControl`, see
//!   [`crate::target::attribute`]) is refused: only the password operations change those.
//! - `VALUE` is the rest of the row, spaces inside kept, with the webhook macros
//!   ([`super::post_action`]: `%login%`, `%name%`, `%mail%`, `%profile%`, `%action%`,
//!   `%time%`); any other `%word%` is an error, a lone `%` is itself.
//!
//! **One value, never interpreted.** [`AttributeWrite::render`] only replaces each macro by its
//! value, as-is: a value holding `%`, quotes, commas, newlines or non-ASCII ends up inside the
//! one attribute value and is neither expanded again nor parsed (an LDAP modify carries values
//! as octets, there is no syntax to escape). A value that renders empty (`%mail%` for a person
//! without one) removes the attribute, as an LDAP replace with no value does.

use super::post_action::{Facts, PostActionError, check_macros, substitute};
use crate::ids::TargetId;
use crate::target::attribute::{is_attribute_description, is_password_attribute};

/// Why a `POST_ACTION_ATTRIBUTE` row cannot be used (the caller names setting and profile).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeWriteError {
    /// Not `TARGET ATTRIBUTE VALUE` after the profile.
    #[error(
        "expected `PROFILE TARGET ATTRIBUTE VALUE`, e.g. `default LDAP description Reset by self-service at %time%`"
    )]
    Shape,
    /// The target is not a target id.
    #[error(
        "{target:?} is not a target id ({problem}); name a target defined with `latchkey targets add`"
    )]
    Target {
        /// As written.
        target: String,
        /// Why.
        problem: String,
    },
    /// The attribute is not an attribute name.
    #[error(
        "{0:?} is not an LDAP attribute name: write a letter then letters, digits or hyphens (e.g. description), or a numeric OID"
    )]
    AttributeName(String),
    /// The attribute holds a password or the password policy's state.
    #[error(
        "{0} is a password or password-policy attribute: only the password operations change it, never a post action; pick another attribute"
    )]
    PasswordAttribute(String),
    /// The value names a `%word%` that is no macro.
    #[error(transparent)]
    Macro(#[from] PostActionError),
}

/// One configured attribute write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeWrite {
    /// The target whose account is written.
    pub target: TargetId,
    /// The attribute, as configured.
    pub attribute: String,
    /// The value template (macros not yet replaced).
    pub value: String,
}

impl AttributeWrite {
    /// Parses and checks `TARGET ATTRIBUTE VALUE` (the row without its profile).
    pub fn parse(row: &str) -> Result<Self, AttributeWriteError> {
        let row = row.trim();
        let (target, rest) = row
            .split_once(char::is_whitespace)
            .ok_or(AttributeWriteError::Shape)?;
        let (attribute, value) = rest
            .trim_start()
            .split_once(char::is_whitespace)
            .ok_or(AttributeWriteError::Shape)?;
        let value = value.trim_start();
        if value.is_empty() {
            return Err(AttributeWriteError::Shape);
        }
        let target = TargetId::new(target).map_err(|e| AttributeWriteError::Target {
            target: target.to_owned(),
            problem: e.to_string(),
        })?;
        if !is_attribute_description(attribute) {
            return Err(AttributeWriteError::AttributeName(attribute.to_owned()));
        }
        if is_password_attribute(attribute) {
            return Err(AttributeWriteError::PasswordAttribute(attribute.to_owned()));
        }
        check_macros(value)?;
        Ok(Self {
            target,
            attribute: attribute.to_owned(),
            value: value.to_owned(),
        })
    }

    /// The value to write for one event: each macro replaced by its value, as-is (see the
    /// module docs).
    pub fn render(&self, facts: &Facts) -> Result<String, PostActionError> {
        substitute(&self.value, facts, str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sspr::post_action::Action;
    use time::OffsetDateTime;

    fn facts(name: &str) -> Facts {
        Facts {
            login: "alice".into(),
            name: name.into(),
            mail: None,
            profile: "default".into(),
            action: Action::Unlock,
            time: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_row_is_target_attribute_and_the_rest_as_value() {
        let w =
            AttributeWrite::parse("LDAP description  Reset by  self-service at %time% ").unwrap();
        assert_eq!(w.target.as_str(), "LDAP");
        assert_eq!(w.attribute, "description");
        assert_eq!(w.value, "Reset by  self-service at %time%");
        let oid = AttributeWrite::parse("AD 2.5.4.13 %action%").unwrap();
        assert_eq!(oid.attribute, "2.5.4.13");
    }

    #[test]
    fn bad_rows_say_what_is_wrong() {
        for shape in ["", "LDAP", "LDAP description", "LDAP description   "] {
            assert_eq!(
                AttributeWrite::parse(shape),
                Err(AttributeWriteError::Shape),
                "{shape:?}"
            );
        }
        assert!(matches!(
            AttributeWrite::parse("LD/AP description x"),
            Err(AttributeWriteError::Target { .. })
        ));
        for name in [
            "2description",
            "desc_ription",
            "description;lang-fr",
            "1.02.3",
        ] {
            assert_eq!(
                AttributeWrite::parse(&format!("LDAP {name} x")),
                Err(AttributeWriteError::AttributeName(name.into())),
                "{name}"
            );
        }
        for name in [
            "userPassword",
            "UNICODEPWD",
            "pwdAccountLockedTime",
            "pwdReset",
            "pwdLastSet",
            "pwdChangedTime",
            "pwdFailureTime",
            "lockoutTime",
            "userAccountControl",
            "2.5.4.35",
        ] {
            let got = AttributeWrite::parse(&format!("LDAP {name} x"));
            assert_eq!(
                got,
                Err(AttributeWriteError::PasswordAttribute(name.into())),
                "{name}"
            );
        }
        let secret = AttributeWrite::parse("LDAP description %password%").unwrap_err();
        assert_eq!(
            secret,
            AttributeWriteError::Macro(PostActionError::UnknownMacro("password".into()))
        );
        assert!(
            secret.to_string().contains("%password% is not a macro"),
            "{secret}"
        );
        let text = AttributeWrite::parse("LDAP userPassword x")
            .unwrap_err()
            .to_string();
        assert!(text.contains("only the password operations"), "{text}");
    }

    #[test]
    fn rendering_puts_each_value_in_as_is() {
        let w = AttributeWrite::parse(
            "LDAP description %login%|%name%|%mail%|%action%|%time%|%profile% 100% done %20",
        )
        .unwrap();
        let tricky = "Zoë \"the\" %login% 50%\nline2, cn=x 漢";
        assert_eq!(
            w.render(&facts(tricky)).unwrap(),
            format!("alice|{tricky}||unlock|1970-01-01T00:00:00Z|default 100% done %20"),
            "a value's %login% is not expanded again; a lone % stays"
        );
        let only_mail = AttributeWrite::parse("LDAP mail %mail%").unwrap();
        assert_eq!(only_mail.render(&facts("x")).unwrap(), "", "empty removes");
    }

    fn configure(rows: &[&str]) -> Result<crate::sspr::ForgottenPassword, String> {
        let rows = [("PROFILES", "default"), ("PROFILES", "staff")]
            .into_iter()
            .chain(rows.iter().map(|r| ("POST_ACTION_ATTRIBUTE", *r)))
            .map(|(setting, value)| crate::settings::SettingRow {
                namespace: crate::sspr::NS_FORGOTTEN_PASSWORD.into(),
                setting: setting.into(),
                value: value.into(),
            })
            .collect();
        crate::sspr::ForgottenPassword::from_settings(&crate::settings::Settings::new(rows))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn rows_belong_to_their_profile_in_order_and_bad_ones_name_setting_and_profile() {
        let cfg = configure(&[
            "STAFF LDAP description first",
            "default AD info %action%",
            "staff LDAP title second one",
        ])
        .unwrap();
        let writes = |i: usize| -> Vec<(&str, &str)> {
            cfg.profiles[i]
                .attribute_writes
                .iter()
                .map(|w| (w.attribute.as_str(), w.value.as_str()))
                .collect()
        };
        assert_eq!(writes(0), [("info", "%action%")]);
        assert_eq!(
            writes(1),
            [("description", "first"), ("title", "second one")]
        );
        let unknown = configure(&["students LDAP description x"]).unwrap_err();
        assert!(
            unknown.contains("FORGOTTEN_PASSWORD/POST_ACTION_ATTRIBUTE")
                && unknown.contains("there is no profile students"),
            "{unknown}"
        );
        for (row, says) in [
            ("default LDAP userPassword x", "password-policy attribute"),
            ("default LDAP pwdReset TRUE", "only the password operations"),
            (
                "default LDAP description %password%",
                "%password% is not a macro",
            ),
            ("default LDAP desc_ription x", "not an LDAP attribute name"),
            ("default L.DAP description x", "not a target id"),
            ("default LDAP description", "PROFILE TARGET ATTRIBUTE VALUE"),
        ] {
            let e = configure(&[row]).unwrap_err();
            assert!(
                e.contains("FORGOTTEN_PASSWORD/POST_ACTION_ATTRIBUTE for profile default")
                    && e.contains(says),
                "{row}: {e}"
            );
        }
    }
}
