//! Who a message goes to, and so how it travels.
//!
//! [`OutgoingMessage::to`](crate::OutgoingMessage::to) stays one string so every caller builds a
//! message the same way; its form says the channel:
//!
//! | `to`                                 | channel                                      |
//! |--------------------------------------|----------------------------------------------|
//! | `alice@example.com`                  | email                                        |
//! | `sms:+15551234567`                   | SMS through the HTTP gateway                 |
//! | `sms:+15551234567;carrier=verizon`   | SMS as an email to the carrier's gateway     |
//!
//! [`Recipient`] parses and prints that form. Phone numbers are normalised to digits, with a
//! leading `+` when the number was written with its country code (`+` or `00`): `(555) 123-4567`
//! becomes `5551234567`, `+1 555.123.4567` and `001 555 123 4567` become `+15551234567`.

use std::fmt;

use crate::NotifyError;

/// The prefix that marks a text-message recipient.
const SMS_PREFIX: &str = "sms:";
/// The parameter naming the carrier for email-to-SMS.
const CARRIER_PARAM: &str = "carrier=";

/// A phone number: 4 to 15 digits (the E.164 maximum), with the country code when it was given.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    digits: String,
    international: bool,
}

impl PhoneNumber {
    /// Normalises a number as people write it: spaces, dots, dashes, slashes and parentheses
    /// are dropped; a leading `+` or `00` marks the country code. Letters and other characters
    /// are refused.
    pub fn parse(text: &str) -> Result<PhoneNumber, NotifyError> {
        let bad = |problem| NotifyError::InvalidMessage {
            field: "phone number",
            problem,
        };
        let trimmed = text.trim();
        let (international, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => match trimmed.strip_prefix("00") {
                Some(rest) => (true, rest),
                None => (false, trimmed),
            },
        };
        let mut digits = String::new();
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '.' | '-' | '/' | '(' | ')' => {}
                _ => return Err(bad("may hold only digits, spaces, + . - / ( )")),
            }
        }
        if !(4..=15).contains(&digits.len()) {
            return Err(bad("must have 4 to 15 digits"));
        }
        Ok(PhoneNumber {
            digits,
            international,
        })
    }

    /// The digits only, country code included when known (`15551234567`).
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// Whether the country code is part of the number.
    pub fn is_international(&self) -> bool {
        self.international
    }

    /// The number without its country code, for gateways that want the national form. Only the
    /// North American plan (`+1` and ten digits) is known, where email-to-SMS gateways are
    /// common; any other number is returned as its digits.
    pub fn national(&self) -> &str {
        match self.digits.strip_prefix('1') {
            Some(rest) if self.international && rest.len() == 10 => rest,
            _ => &self.digits,
        }
    }
}

impl fmt::Display for PhoneNumber {
    /// `+15551234567`, or the bare digits when no country code was given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.international {
            f.write_str("+")?;
        }
        f.write_str(&self.digits)
    }
}

/// Where a message goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// An email address.
    Email(String),
    /// A phone, reached through the HTTP gateway, or through the carrier's email-to-SMS
    /// gateway when the carrier is known.
    Sms {
        /// The number.
        number: PhoneNumber,
        /// The carrier id (a row of the carrier table), for email-to-SMS.
        carrier: Option<String>,
    },
}

impl Recipient {
    /// Reads the `to` of a message (see the module docs for the forms).
    pub fn parse(to: &str) -> Result<Recipient, NotifyError> {
        let to = to.trim();
        let Some(rest) = to.strip_prefix(SMS_PREFIX) else {
            if to.is_empty() {
                return Err(NotifyError::InvalidMessage {
                    field: "recipient",
                    problem: "is empty",
                });
            }
            return Ok(Recipient::Email(to.to_owned()));
        };
        let (number, carrier) = match rest.split_once(';') {
            None => (rest, None),
            Some((number, param)) => {
                let carrier = param
                    .trim()
                    .strip_prefix(CARRIER_PARAM)
                    .map(str::trim)
                    .filter(|c| valid_carrier_id(c))
                    .ok_or(NotifyError::InvalidMessage {
                        field: "recipient",
                        problem: "has a parameter other than `carrier=ID` (letters, digits, _ -)",
                    })?;
                (number, Some(carrier.to_ascii_lowercase()))
            }
        };
        Ok(Recipient::Sms {
            number: PhoneNumber::parse(number)?,
            carrier,
        })
    }

    /// A text-message recipient in the `to` form.
    pub fn sms(number: &PhoneNumber, carrier: Option<&str>) -> String {
        Recipient::Sms {
            number: number.clone(),
            carrier: carrier.map(str::to_owned),
        }
        .to_string()
    }

    /// The channel's stored name: `email`, `sms_http` or `sms_email`.
    pub fn channel_name(&self) -> &'static str {
        match self {
            Recipient::Email(_) => "email",
            Recipient::Sms { carrier: None, .. } => "sms_http",
            Recipient::Sms {
                carrier: Some(_), ..
            } => "sms_email",
        }
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::Email(address) => f.write_str(address),
            Recipient::Sms {
                number,
                carrier: None,
            } => write!(f, "{SMS_PREFIX}{number}"),
            Recipient::Sms {
                number,
                carrier: Some(carrier),
            } => write!(f, "{SMS_PREFIX}{number};{CARRIER_PARAM}{carrier}"),
        }
    }
}

/// A carrier id: 1-64 ASCII letters, digits, `_` or `-`.
pub(crate) fn valid_carrier_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalised() {
        for (written, shown, national) in [
            ("+1 (555) 123-4567", "+15551234567", "5551234567"),
            ("001 555.123.4567", "+15551234567", "5551234567"),
            ("(555) 123-4567", "5551234567", "5551234567"),
            ("+33 6 12 34 56 78", "+33612345678", "33612345678"),
        ] {
            let n = PhoneNumber::parse(written).unwrap();
            assert_eq!(n.to_string(), shown, "{written}");
            assert_eq!(n.national(), national, "{written}");
        }
        for bad in ["", "+", "555-CALL-NOW", "12", "+1234567890123456", "1;2"] {
            let err = PhoneNumber::parse(bad).unwrap_err();
            assert!(
                matches!(err, NotifyError::InvalidMessage { .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn recipients_say_their_channel_and_round_trip() {
        let email = Recipient::parse(" alice@example.com ").unwrap();
        assert_eq!(email, Recipient::Email("alice@example.com".into()));
        assert_eq!(email.channel_name(), "email");

        let http = Recipient::parse("sms:+1 555 123 4567").unwrap();
        assert_eq!(http.channel_name(), "sms_http");
        assert_eq!(http.to_string(), "sms:+15551234567");

        let carrier = Recipient::parse("sms:5551234567;carrier=Verizon").unwrap();
        assert_eq!(carrier.channel_name(), "sms_email");
        assert_eq!(carrier.to_string(), "sms:5551234567;carrier=verizon");
        assert_eq!(Recipient::parse(&carrier.to_string()).unwrap(), carrier);

        let number = PhoneNumber::parse("+15551234567").unwrap();
        assert_eq!(Recipient::sms(&number, None), "sms:+15551234567");
        assert_eq!(
            Recipient::sms(&number, Some("acme")),
            "sms:+15551234567;carrier=acme"
        );

        for bad in [
            "",
            "sms:",
            "sms:555;network=x",
            "sms:5551234567;carrier=a b",
        ] {
            assert!(Recipient::parse(bad).is_err(), "{bad:?}");
        }
    }
}
