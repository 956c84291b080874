//! Email-to-SMS: many mobile carriers turn a mail to `<number>@<their gateway domain>` into a
//! text message. The [`CarrierTable`] maps a carrier id (stored with the person's number, as in
//! `sms:+15551234567;carrier=verizon`) to the address pattern of its gateway.
//!
//! A few North American carriers ship built in. Carriers close or change these gateways
//! (AT&T stopped its own in 2025), so operators check the ones they rely on and add or replace
//! rows in the settings namespace [`NAMESPACE`] (`SMS_EMAIL_CARRIERS`): the setting is the
//! carrier id, the value the pattern, e.g. `ACME = {national}@sms.acme.example`. Patterns use
//! `{number}` (all digits, country code included when known) or `{national}` (without the
//! North American `1`), and must give one valid email address.
//!
//! The text then goes out as a short plain email through the normal mailer: no subject (most
//! carriers would put it in front of the text), the message as the body.

use std::collections::BTreeMap;

use crate::{NotifyError, PhoneNumber, recipient::valid_carrier_id};

/// The settings namespace of operator rows.
pub const NAMESPACE: &str = "SMS_EMAIL_CARRIERS";

/// The shipped rows: (carrier id, pattern).
const BUILTIN: &[(&str, &str)] = &[
    ("verizon", "{national}@vtext.com"),
    ("tmobile", "{national}@tmomail.net"),
    ("uscellular", "{national}@email.uscc.net"),
    ("bell", "{national}@txt.bell.ca"),
    ("rogers", "{national}@pcs.rogers.com"),
    ("telus", "{national}@msg.telus.com"),
    ("fido", "{national}@fido.ca"),
];

/// Carrier id → gateway address pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarrierTable {
    patterns: BTreeMap<String, String>,
}

impl Default for CarrierTable {
    fn default() -> Self {
        CarrierTable::builtin()
    }
}

impl CarrierTable {
    /// The shipped carriers.
    pub fn builtin() -> CarrierTable {
        CarrierTable {
            patterns: BUILTIN
                .iter()
                .map(|(id, pattern)| ((*id).to_owned(), (*pattern).to_owned()))
                .collect(),
        }
    }

    /// The shipped carriers with the operator's (carrier id, pattern) rows added or replacing.
    pub fn with_overrides<'a>(
        rows: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<CarrierTable, NotifyError> {
        let mut table = CarrierTable::builtin();
        for (id, pattern) in rows {
            let id = id.trim().to_ascii_lowercase();
            let pattern = pattern.trim();
            if !valid_carrier_id(&id) {
                return Err(NotifyError::Config(format!(
                    "{NAMESPACE}/{id}: a carrier id is 1-64 letters, digits, '_' or '-'"
                )));
            }
            check_pattern(pattern).map_err(|problem| {
                NotifyError::Config(format!(
                    "{NAMESPACE}/{}: {pattern:?} {problem}",
                    id.to_ascii_uppercase()
                ))
            })?;
            table.patterns.insert(id, pattern.to_owned());
        }
        Ok(table)
    }

    /// The carrier ids known, sorted.
    pub fn carriers(&self) -> impl Iterator<Item = &str> {
        self.patterns.keys().map(String::as_str)
    }

    /// The gateway address for `number` at `carrier` (ids are case-insensitive).
    pub fn address(&self, number: &PhoneNumber, carrier: &str) -> Result<String, NotifyError> {
        let pattern = self
            .patterns
            .get(&carrier.to_ascii_lowercase())
            .ok_or_else(|| {
                NotifyError::Config(format!(
                    "the carrier {carrier:?} is not in the email-to-SMS carrier table; add it \
                     as a {NAMESPACE} setting"
                ))
            })?;
        Ok(fill(pattern, number))
    }
}

fn fill(pattern: &str, number: &PhoneNumber) -> String {
    pattern
        .replace("{number}", number.digits())
        .replace("{national}", number.national())
}

/// A pattern must name the number once, before the `@`, and give a valid address.
fn check_pattern(pattern: &str) -> Result<(), &'static str> {
    let Some((local, domain)) = pattern.split_once('@') else {
        return Err("is not an address pattern such as {number}@sms.example.com");
    };
    let macros = local.matches("{number}").count() + local.matches("{national}").count();
    if macros != 1 {
        return Err("must use {number} or {national} exactly once, before the @");
    }
    if domain.contains(['{', '}']) {
        return Err("has a macro after the @");
    }
    let sample = PhoneNumber::parse("+15551234567").map_err(|_| "cannot be checked")?;
    fill(pattern, &sample)
        .parse::<lettre::Address>()
        .map_err(|_| "does not give a valid email address")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_carriers_give_addresses() {
        let table = CarrierTable::builtin();
        for (id, pattern) in BUILTIN {
            check_pattern(pattern).unwrap_or_else(|e| panic!("{id}: {e}"));
        }
        let number = PhoneNumber::parse("+1 (555) 123-4567").unwrap();
        assert_eq!(
            table.address(&number, "Verizon").unwrap(),
            "5551234567@vtext.com"
        );
        let err = table.address(&number, "pigeon").unwrap_err().to_string();
        assert!(
            err.contains("not in the email-to-SMS carrier table"),
            "{err}"
        );

        let table = CarrierTable::with_overrides([
            ("ACME", "{number}@txt.acme.example"),
            ("VERIZON", "{national}@vtext.example"),
        ])
        .unwrap();
        assert_eq!(
            table.address(&number, "acme").unwrap(),
            "15551234567@txt.acme.example"
        );
        assert_eq!(
            table.address(&number, "verizon").unwrap(),
            "5551234567@vtext.example"
        );
        assert!(table.carriers().any(|c| c == "acme"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for (id, pattern, expected) in [
            ("ACME", "sms.acme.example", "not an address pattern"),
            ("ACME", "x@sms.acme.example", "exactly once"),
            ("ACME", "{number}{number}@sms.acme.example", "exactly once"),
            ("ACME", "{number}@{national}.example", "after the @"),
            ("ACME", "{number}@", "valid email address"),
            ("AC ME", "{number}@sms.acme.example", "carrier id"),
        ] {
            let err = CarrierTable::with_overrides([(id, pattern)])
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{pattern}: {err}");
            assert!(
                err.starts_with("mail settings: SMS_EMAIL_CARRIERS/"),
                "{err}"
            );
        }
    }
}
