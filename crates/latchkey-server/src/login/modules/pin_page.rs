//! The pages of `emailsmspin` (the same for every user, decoy or not), including the
//! `send_method = choice` page, which `/forgot` also builds for an unknown user.

use super::delivery::{self, Gate, Medium, RESEND};
use super::pin_settings::Config;
/// For `/forgot`, which refuses everyone alike while a code module cannot send.
pub use super::pin_settings::unusable;
use super::{Input, Step};
use crate::login::prompt::{Button, Field, Prompt};
use crate::state::AppState;
use latchkey_core::pin::PinType;
use latchkey_core::send_method::Leg;

/// Form name of the radio group of the choice page.
pub const SEND_TO: &str = "send_to";

/// The leg picked on the choice page, if the form names one.
pub fn picked(input: Option<&Input>) -> Option<Leg> {
    input.and_then(|i| i.field(SEND_TO)).and_then(Leg::parse)
}

/// Is `prompt` the choice page (has the radio group)?
pub fn is_choice(prompt: &Prompt) -> bool {
    prompt.fields.iter().any(|f| f.name == SEND_TO)
}

/// The radio options of the choice page: always both, email first.
pub fn choice_fields(email: &str, phone: &str) -> Vec<Field> {
    vec![
        Field::radio(SEND_TO, &format!("Email to {email}"), Leg::Email.as_str()),
        Field::radio(
            SEND_TO,
            &format!("Text message to {phone}"),
            Leg::Sms.as_str(),
        ),
    ]
}

/// The choice page's options for someone `/forgot` could not identify: decoy masks that stay
/// the same for the same typed user ID, shaped like everyone else's.
pub fn decoy_choice_fields(app: &AppState, typed: &str) -> Vec<Field> {
    let key = format!(
        "latchkey decoy destination of unknown {}",
        typed.trim().to_lowercase()
    );
    choice_fields(
        &delivery::decoy_mask_keyed(Medium::Email, &key, &app.public_url),
        &delivery::decoy_mask_keyed(Medium::Phone, &key, &app.public_url),
    )
}

/// The pages of one evaluation.
pub struct Page<'a> {
    /// The destinations, masked (decoys for missing addresses), joined.
    pub shown: &'a str,
    /// The module's settings.
    pub config: &'a Config,
    /// The typed user id (for password managers).
    pub username: &'a str,
}

impl Page<'_> {
    /// Before anything is sent (a flow not stored yet).
    pub fn offer(&self) -> Step {
        Step::Ask(Prompt {
            title: "Sign in with a PIN".into(),
            intro: format!("We will send a one-time PIN to {}.", self.shown),
            submit: "Send the PIN".into(),
            username: self.username.to_owned(),
            ..Prompt::default()
        })
    }

    /// `send_method = choice`: where should it go? `email` and `phone` are masks or decoys.
    pub fn choose(&self, email: &str, phone: &str) -> Step {
        Step::Ask(Prompt {
            title: "Choose where to send your PIN".into(),
            intro: "We will send a one-time PIN to the address you choose.".into(),
            fields: choice_fields(email, phone),
            submit: "Send the PIN".into(),
            username: self.username.to_owned(),
            ..Prompt::default()
        })
    }

    /// What the page says after a send was asked for.
    pub fn after_send(&self, gate: Gate, live: bool) -> String {
        let enter = if live {
            format!("Enter the PIN we sent to {}.", self.shown)
        } else {
            "The last PIN can no longer be used.".to_owned()
        };
        match gate {
            Gate::Go => format!(
                "We sent a PIN to {}. It works once, within {}.",
                self.shown,
                delivery::validity(self.config.pin.expiry())
            ),
            Gate::Wait(seconds) => {
                format!("{enter} A new PIN can be sent in {seconds} seconds.")
            }
            Gate::Exhausted => {
                format!("{enter} No more PINs can be sent right now; start again later.")
            }
        }
    }

    /// The page asking for the PIN.
    pub fn ask(&self, intro: &str) -> Step {
        let mut field = Field::code("pin", "PIN");
        if self.config.pin.kind() != PinType::Numeric {
            field.inputmode = "";
        }
        Step::Ask(Prompt {
            title: "Enter your PIN".into(),
            intro: intro.to_owned(),
            fields: vec![field],
            submit: "Sign in".into(),
            username: self.username.to_owned(),
            secondary: Some(Button {
                name: RESEND.into(),
                label: "Send a new PIN".into(),
            }),
            ..Prompt::default()
        })
    }
}
