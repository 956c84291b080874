//! Where a one-time code goes (the SSPR "token send method"): to the email address, to the
//! mobile number, to both, to the first of the two the person has, or to the one they pick.
//!
//! [`plan`] is the whole decision, pure: what the page names (a real mask or, for a missing
//! address, a decoy) and what is actually sent. A missing address is never skipped on the page
//! of `both` or `choice`: the page looks the same whichever addresses exist, and a code sent
//! to nobody can never succeed (the server's `delivery` module).

use serde::{Deserialize, Serialize};

/// One way to reach the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leg {
    /// The email address.
    Email,
    /// The mobile number (text message).
    Sms,
}

impl Leg {
    /// The form value (`email`, `sms`).
    pub fn as_str(self) -> &'static str {
        match self {
            Leg::Email => "email",
            Leg::Sms => "sms",
        }
    }

    /// From a form value; anything else is None.
    pub fn parse(value: &str) -> Option<Leg> {
        match value.trim() {
            "email" => Some(Leg::Email),
            "sms" => Some(Leg::Sms),
            _ => None,
        }
    }
}

/// The module setting `send_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendMethod {
    /// Email only.
    Email,
    /// Text message only.
    Sms,
    /// The same code to both.
    Both,
    /// Email if the person has an address, else a text message.
    EmailFirst,
    /// A text message if the person has a number, else email.
    SmsFirst,
    /// The person picks one of the two.
    Choice,
}

/// A `send_method` value that is not one of the six.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("send_method = {0:?}: expected email, sms, both, email_first, sms_first or choice")]
pub struct UnknownSendMethod(pub String);

impl SendMethod {
    /// From the setting's value (case and surrounding spaces do not matter).
    pub fn parse(value: &str) -> Result<SendMethod, UnknownSendMethod> {
        Ok(match value.trim().to_ascii_lowercase().as_str() {
            "email" => SendMethod::Email,
            "sms" => SendMethod::Sms,
            "both" => SendMethod::Both,
            "email_first" => SendMethod::EmailFirst,
            "sms_first" => SendMethod::SmsFirst,
            "choice" => SendMethod::Choice,
            _ => return Err(UnknownSendMethod(value.to_owned())),
        })
    }

    /// The channels this node must be able to send on (the same for every person).
    pub fn legs(self) -> &'static [Leg] {
        match self {
            SendMethod::Email => &[Leg::Email],
            SendMethod::Sms => &[Leg::Sms],
            _ => &[Leg::Email, Leg::Sms],
        }
    }
}

/// Which addresses the person has (usable ones: a number that parses, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Has {
    /// An email address.
    pub email: bool,
    /// A mobile number.
    pub sms: bool,
}

impl Has {
    /// Has the person an address for `leg`?
    pub fn has(self, leg: Leg) -> bool {
        match leg {
            Leg::Email => self.email,
            Leg::Sms => self.sms,
        }
    }
}

/// What to do with a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// `choice` before the person chose: ask, showing both destinations (a decoy for a missing
    /// one).
    Ask,
    /// Name `shown` on the page (a decoy for a leg in `shown` the person has no address for)
    /// and send to `send` — a part of `shown`, possibly empty.
    Send {
        /// The destinations the page names, in order.
        shown: Vec<Leg>,
        /// Where the code really goes.
        send: Vec<Leg>,
    },
}

/// The decision for `method`, the addresses the person has and, for `choice`, their pick.
pub fn plan(method: SendMethod, has: Has, chosen: Option<Leg>) -> Plan {
    let first = |preferred: Leg, other: Leg| {
        if has.has(preferred) || !has.has(other) {
            preferred
        } else {
            other
        }
    };
    let shown = match method {
        SendMethod::Email => vec![Leg::Email],
        SendMethod::Sms => vec![Leg::Sms],
        SendMethod::Both => vec![Leg::Email, Leg::Sms],
        SendMethod::EmailFirst => vec![first(Leg::Email, Leg::Sms)],
        SendMethod::SmsFirst => vec![first(Leg::Sms, Leg::Email)],
        SendMethod::Choice => match chosen {
            Some(leg) => vec![leg],
            None => return Plan::Ask,
        },
    };
    let send = shown.iter().copied().filter(|l| has.has(*l)).collect();
    Plan::Send { shown, send }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Leg::{Email, Sms};

    const ALL: [Has; 4] = [
        Has {
            email: true,
            sms: true,
        },
        Has {
            email: true,
            sms: false,
        },
        Has {
            email: false,
            sms: true,
        },
        Has {
            email: false,
            sms: false,
        },
    ];

    fn sent(method: SendMethod, has: Has, chosen: Option<Leg>) -> (Vec<Leg>, Vec<Leg>) {
        match plan(method, has, chosen) {
            Plan::Send { shown, send } => (shown, send),
            Plan::Ask => (vec![], vec![]),
        }
    }

    #[test]
    fn single_channels_name_their_own_address_whatever_exists() {
        for has in ALL {
            let (shown, send) = sent(SendMethod::Email, has, None);
            assert_eq!(shown, [Email]);
            assert_eq!(send, if has.email { vec![Email] } else { vec![] });
            let (shown, send) = sent(SendMethod::Sms, has, None);
            assert_eq!(shown, [Sms]);
            assert_eq!(send, if has.sms { vec![Sms] } else { vec![] });
        }
    }

    #[test]
    fn both_names_both_and_sends_to_those_that_exist() {
        let expect: [&[Leg]; 4] = [&[Email, Sms], &[Email], &[Sms], &[]];
        for (has, want) in ALL.into_iter().zip(expect) {
            let (shown, send) = sent(SendMethod::Both, has, None);
            assert_eq!(shown, [Email, Sms], "{has:?}");
            assert_eq!(send, want, "{has:?}");
        }
    }

    #[test]
    fn first_methods_fall_back_to_the_other_address() {
        let email_first = ALL.map(|has| sent(SendMethod::EmailFirst, has, None));
        assert_eq!(email_first[0], (vec![Email], vec![Email]));
        assert_eq!(email_first[1], (vec![Email], vec![Email]));
        assert_eq!(email_first[2], (vec![Sms], vec![Sms]), "no email: SMS");
        assert_eq!(
            email_first[3],
            (vec![Email], vec![]),
            "neither: a decoy email"
        );
        let sms_first = ALL.map(|has| sent(SendMethod::SmsFirst, has, None));
        assert_eq!(sms_first[0], (vec![Sms], vec![Sms]));
        assert_eq!(sms_first[1], (vec![Email], vec![Email]), "no number: email");
        assert_eq!(sms_first[2], (vec![Sms], vec![Sms]));
        assert_eq!(sms_first[3], (vec![Sms], vec![]), "neither: a decoy number");
    }

    #[test]
    fn choice_asks_first_then_sends_only_to_an_existing_pick() {
        for has in ALL {
            assert_eq!(plan(SendMethod::Choice, has, None), Plan::Ask);
            for leg in [Email, Sms] {
                let (shown, send) = sent(SendMethod::Choice, has, Some(leg));
                assert_eq!(shown, [leg]);
                assert_eq!(send, if has.has(leg) { vec![leg] } else { vec![] });
            }
        }
    }

    #[test]
    fn values_parse_and_bad_ones_are_named() {
        assert_eq!(SendMethod::parse(" SMS_First "), Ok(SendMethod::SmsFirst));
        assert_eq!(SendMethod::parse("choice"), Ok(SendMethod::Choice));
        let err = SendMethod::parse("fax").unwrap_err().to_string();
        assert!(err.contains("send_method = \"fax\""), "{err}");
        assert_eq!(SendMethod::Choice.legs(), [Email, Sms]);
        assert_eq!(SendMethod::Email.legs(), [Email]);
        assert_eq!(Leg::parse("sms"), Some(Sms));
        assert_eq!(Leg::parse("fax"), None);
    }
}
