//! One entry point for every channel: [`Courier::send`] reads the message's recipient
//! ([`Recipient`]) and hands it to the mailer, the HTTP SMS gateway, or the mailer again with
//! the carrier's email-to-SMS address.
//!
//! In demo mode ([`Mailer::Outbox`]) every message, text messages included, is written to the
//! outbox file as it is, so a demo shows what would have been sent without any gateway.

use crate::{CarrierTable, HttpSmsGateway, Mailer, NotifyError, OutgoingMessage, Recipient};
use crate::{sms_email, sms_http};

/// Delivers messages on any channel. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Courier {
    mailer: Mailer,
    sms_http: Option<HttpSmsGateway>,
    carriers: CarrierTable,
}

impl Courier {
    /// Mail only: no HTTP gateway, the built-in carrier table.
    pub fn new(mailer: Mailer) -> Courier {
        Courier {
            mailer,
            sms_http: None,
            carriers: CarrierTable::builtin(),
        }
    }

    /// With the text-message settings read from the settings table: `rows` are
    /// (namespace, setting, value) triples; the rows of [`sms_http::NAMESPACE`] and
    /// [`sms_email::NAMESPACE`] are used, others ignored.
    pub fn from_settings<'a>(
        mailer: Mailer,
        rows: impl IntoIterator<Item = (&'a str, &'a str, &'a str)> + Clone,
    ) -> Result<Courier, NotifyError> {
        let of = |namespace: &'static str| {
            rows.clone()
                .into_iter()
                .filter(move |(ns, _, _)| ns.eq_ignore_ascii_case(namespace))
                .map(|(_, setting, value)| (setting, value))
        };
        Ok(Courier {
            mailer,
            sms_http: HttpSmsGateway::from_settings(of(sms_http::NAMESPACE))?,
            carriers: CarrierTable::with_overrides(of(sms_email::NAMESPACE))?,
        })
    }

    /// The mailer.
    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// The HTTP SMS gateway, when one is configured.
    pub fn sms_gateway(&self) -> Option<&HttpSmsGateway> {
        self.sms_http.as_ref()
    }

    /// Delivers one message on the channel its recipient names.
    pub async fn send(&self, message: &OutgoingMessage) -> Result<(), NotifyError> {
        message.validate()?;
        if let Mailer::Outbox(outbox) = &self.mailer {
            return outbox.send(message).await;
        }
        match Recipient::parse(&message.to)? {
            Recipient::Email(_) => self.mailer.send(message).await,
            Recipient::Sms {
                number,
                carrier: None,
            } => {
                let gateway = self.sms_http.as_ref().ok_or_else(|| {
                    NotifyError::Config(format!(
                        "no HTTP SMS gateway is configured: set {}/URL",
                        sms_http::NAMESPACE
                    ))
                })?;
                gateway.send(&number, &message.body_text).await
            }
            Recipient::Sms {
                number,
                carrier: Some(carrier),
            } => {
                let email = OutgoingMessage {
                    to: self.carriers.address(&number, &carrier)?,
                    subject: String::new(),
                    body_text: message.body_text.clone(),
                    kind: message.kind,
                };
                self.mailer.send(&email).await
            }
        }
    }
}
