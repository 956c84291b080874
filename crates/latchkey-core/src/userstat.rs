//! USERSTAT tags: small facts remembered about a user between visits (the last skin, language,
//! password-change module, whether security questions were set up …). Selector rules match on
//! them; pages use them to remember a person's choices.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A tag name. The well-known ones have variants; others are kept as upper-case text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum UserStatTag {
    /// Last product skin (branding) shown.
    LastSkin,
    /// Last language chosen (e.g. `en`, `fr`).
    LastLang,
    /// Last password synchronisation/self-service module used.
    LastPsl,
    /// Module through which the password was last changed.
    LastPwChgModule,
    /// Password self-service (PSL) setup done.
    PslDone,
    /// Security questions enrolled.
    PsqDone,
    /// `1`: the password was marked expired (a mailed reset password); the next sign-in must
    /// change it. Anything else, or no tag: it need not.
    PwdMustChange,
    /// Any other tag (upper-case letters, digits and `_`).
    Other(String),
}

/// A tag name that is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a USERSTAT tag: use upper-case letters, digits and '_' (e.g. LASTLANG)")]
pub struct UserStatTagError(pub String);

impl UserStatTag {
    /// The stored name.
    pub fn as_str(&self) -> &str {
        match self {
            UserStatTag::LastSkin => "LASTSKIN",
            UserStatTag::LastLang => "LASTLANG",
            UserStatTag::LastPsl => "LASTPSL",
            UserStatTag::LastPwChgModule => "LASTPWCHGMODULE",
            UserStatTag::PslDone => "PSLDONE",
            UserStatTag::PsqDone => "PSQDONE",
            UserStatTag::PwdMustChange => "PWDMUSTCHANGE",
            UserStatTag::Other(s) => s,
        }
    }
}

impl FromStr for UserStatTag {
    type Err = UserStatTagError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        Ok(match upper.as_str() {
            "LASTSKIN" => UserStatTag::LastSkin,
            "LASTLANG" => UserStatTag::LastLang,
            "LASTPSL" => UserStatTag::LastPsl,
            "LASTPWCHGMODULE" => UserStatTag::LastPwChgModule,
            "PSLDONE" => UserStatTag::PslDone,
            "PSQDONE" => UserStatTag::PsqDone,
            "PWDMUSTCHANGE" => UserStatTag::PwdMustChange,
            _ => {
                let ok = !upper.is_empty()
                    && upper.len() <= 64
                    && upper
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                if !ok {
                    return Err(UserStatTagError(s.to_owned()));
                }
                UserStatTag::Other(upper)
            }
        })
    }
}

impl TryFrom<String> for UserStatTag {
    type Error = UserStatTagError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<UserStatTag> for String {
    fn from(value: UserStatTag) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for UserStatTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_custom_tags_round_trip() {
        for name in [
            "LASTPSL",
            "LASTSKIN",
            "LASTLANG",
            "LASTPWCHGMODULE",
            "PSLDONE",
            "PSQDONE",
            "PWDMUSTCHANGE",
            "MY_TAG1",
        ] {
            let tag: UserStatTag = name.parse().unwrap();
            assert_eq!(tag.as_str(), name);
        }
        assert_eq!("lastlang".parse::<UserStatTag>(), Ok(UserStatTag::LastLang));
        assert!("bad tag".parse::<UserStatTag>().is_err());
        assert!("".parse::<UserStatTag>().is_err());
    }
}
