//! Self-service enrolment of second factors (authenticator app, security questions): whether a
//! person who has none is sent to the enrolment page right after signing in.
//!
//! Two settings decide it, `ENROLMENT / TOTP` and `ENROLMENT / QUESTIONS`, each one of
//! [`MODES`]:
//!
//! | mode | page offered | sent there after sign-in | "Not now" |
//! |---|---|---|---|
//! | `off` | no | no | — |
//! | `offer` (default) | yes | no | — |
//! | `force` | yes | every sign-in until enrolled | no |
//! | `force_allow_skip` | yes | until enrolled, unless skipped within [`SKIP_FOR`] | yes |
//!
//! A skip is kept server-side as a USERSTAT tag ([`EnrolmentKind::skip_tag`]) holding the time
//! of the skip, so it needs no cookie and holds on every node; it lapses after [`SKIP_FOR`]
//! (one working session), after which the person is asked again. The edge reads the facts and
//! the clock; [`must_ask`] decides.

use crate::settings::{SettingError, Settings};
use crate::userstat::UserStatTag;
use time::{Duration, OffsetDateTime};

/// Namespace of the enrolment settings.
pub const NS_ENROLMENT: &str = "ENROLMENT";
/// The values the enrolment settings take.
pub const MODES: &[&str] = &["off", "offer", "force", "force_allow_skip"];
/// How long a "Not now" holds: the length of a sign-in session.
pub const SKIP_FOR: Duration = Duration::hours(8);

/// What may be enrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolmentKind {
    /// An authenticator app (TOTP).
    Totp,
    /// Security questions.
    Questions,
}

impl EnrolmentKind {
    /// Both, in the order a person is asked for them.
    pub const ALL: [EnrolmentKind; 2] = [EnrolmentKind::Totp, EnrolmentKind::Questions];

    /// The setting (in [`NS_ENROLMENT`]).
    pub fn setting(self) -> &'static str {
        match self {
            EnrolmentKind::Totp => "TOTP",
            EnrolmentKind::Questions => "QUESTIONS",
        }
    }

    /// The USERSTAT tag holding the time of the last "Not now".
    pub fn skip_tag(self) -> UserStatTag {
        UserStatTag::Other(format!("ENROLSKIP_{}", self.setting()))
    }
}

/// How an enrolment is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolmentMode {
    /// Not offered: the page is not shown.
    Off,
    /// Offered on the home page, never pushed.
    Offer,
    /// Pushed after every sign-in until done.
    Force,
    /// Pushed after sign-in until done, with a "Not now".
    ForceAllowSkip,
}

impl EnrolmentMode {
    /// Parses one of [`MODES`] (case-insensitive).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "off" => Some(Self::Off),
            "offer" => Some(Self::Offer),
            "force" => Some(Self::Force),
            "force_allow_skip" => Some(Self::ForceAllowSkip),
            _ => None,
        }
    }

    /// The configured mode of `kind` (`offer` when unset); an unusable stored value is an error.
    pub fn configured(settings: &Settings, kind: EnrolmentKind) -> Result<Self, SettingError> {
        match settings.value(NS_ENROLMENT, kind.setting()) {
            None => Ok(Self::Offer),
            Some(raw) => Self::parse(raw).ok_or_else(|| SettingError::Value {
                namespace: NS_ENROLMENT.into(),
                setting: kind.setting().into(),
                value: raw.to_owned(),
                expected: MODES.join(", "),
            }),
        }
    }

    /// Is the enrolment page shown at all?
    pub fn is_offered(self) -> bool {
        self != Self::Off
    }

    /// May the person put it off ("Not now")?
    pub fn may_skip(self) -> bool {
        self == Self::ForceAllowSkip
    }
}

/// Whether `mode` sends a person to the enrolment page after signing in at `now`: only when
/// forced, not yet enrolled, and (with `force_allow_skip`) not skipped within [`SKIP_FOR`].
pub fn must_ask(
    mode: EnrolmentMode,
    enrolled: bool,
    skipped_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> bool {
    if enrolled {
        return false;
    }
    match mode {
        EnrolmentMode::Off | EnrolmentMode::Offer => false,
        EnrolmentMode::Force => true,
        EnrolmentMode::ForceAllowSkip => {
            // A skip stamped in the future (another node's clock) counts as recent.
            skipped_at.is_none_or(|at| now - at >= SKIP_FOR)
        }
    }
}

/// The USERSTAT value recording a skip at `now` (Unix seconds).
pub fn skip_value(now: OffsetDateTime) -> String {
    now.unix_timestamp().to_string()
}

/// Reads a skip value back; blank or unreadable is "no skip".
pub fn parse_skip(raw: &str) -> Option<OffsetDateTime> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SettingRow;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn only_forced_modes_ask_and_only_the_unenrolled() {
        let now = at(0);
        for mode in [EnrolmentMode::Off, EnrolmentMode::Offer] {
            assert!(!must_ask(mode, false, None, now));
        }
        for mode in [EnrolmentMode::Force, EnrolmentMode::ForceAllowSkip] {
            assert!(must_ask(mode, false, None, now));
            assert!(!must_ask(mode, true, None, now));
        }
    }

    #[test]
    fn a_skip_holds_for_a_session_and_only_when_allowed() {
        let skipped = Some(at(0));
        let soon = at(60);
        let later = at(SKIP_FOR.whole_seconds() + 1);
        assert!(!must_ask(
            EnrolmentMode::ForceAllowSkip,
            false,
            skipped,
            soon
        ));
        assert!(must_ask(
            EnrolmentMode::ForceAllowSkip,
            false,
            skipped,
            later
        ));
        assert!(must_ask(EnrolmentMode::Force, false, skipped, soon));
        assert_eq!(parse_skip(&skip_value(at(5))), Some(at(5)));
        assert_eq!(parse_skip(""), None);
    }

    #[test]
    fn modes_come_from_the_settings_table() {
        let rows = vec![SettingRow {
            namespace: NS_ENROLMENT.into(),
            setting: "TOTP".into(),
            value: "Force_Allow_Skip".into(),
        }];
        let settings = Settings::new(rows);
        assert_eq!(
            EnrolmentMode::configured(&settings, EnrolmentKind::Totp),
            Ok(EnrolmentMode::ForceAllowSkip)
        );
        assert_eq!(
            EnrolmentMode::configured(&settings, EnrolmentKind::Questions),
            Ok(EnrolmentMode::Offer)
        );
        assert!(crate::settings::validate_row("ENROLMENT", "QUESTIONS", "force", false).is_ok());
        assert!(crate::settings::validate_row("ENROLMENT", "QUESTIONS", "always", false).is_err());
    }
}
