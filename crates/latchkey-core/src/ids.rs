//! Identifiers.
//!
//! Stable ids are UUIDv7 (time-ordered, so they index well), built from the time and randomness
//! the caller passes in. Names that people type (target ids, user-class ids) are validated
//! identifiers instead.

use crate::random::RandomSource;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;
use uuid::Uuid;

/// A new UUIDv7 from the given time and randomness.
pub fn new_uuid_v7(now: OffsetDateTime, rng: &mut dyn RandomSource) -> Uuid {
    uuid_v7_at(unix_millis(now), rng)
}

fn unix_millis(now: OffsetDateTime) -> u64 {
    u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

fn uuid_v7_at(millis: u64, rng: &mut dyn RandomSource) -> Uuid {
    let mut random = [0u8; 10];
    rng.fill_bytes(&mut random);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

/// `n` new UUIDv7s in increasing order, all greater than `after`: ids that sort in the order
/// the things they name were listed. Ids of one millisecond differ only in their random bits, so
/// they are drawn and then sorted; a list that follows `after` within its millisecond is dated
/// a millisecond later.
pub fn ordered_uuid_v7(
    now: OffsetDateTime,
    after: Option<Uuid>,
    n: usize,
    rng: &mut dyn RandomSource,
) -> Vec<Uuid> {
    let after_millis = after.and_then(|u| u.get_timestamp()).map(|t| {
        let (secs, nanos) = t.to_unix();
        secs.saturating_mul(1000)
            .saturating_add(u64::from(nanos / 1_000_000))
    });
    let millis = match after_millis {
        Some(a) => unix_millis(now).max(a.saturating_add(1)),
        None => unix_millis(now),
    };
    let mut ids: Vec<Uuid> = (0..n).map(|_| uuid_v7_at(millis, rng)).collect();
    ids.sort_unstable();
    ids
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh id (UUIDv7) from the given time and randomness.
            pub fn generate(now: OffsetDateTime, rng: &mut dyn RandomSource) -> Self {
                Self(new_uuid_v7(now, rng))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A profile's stable id: it never changes, even when the login id does.
    ProfileId
);
uuid_id!(
    /// An account's stable id in our store.
    AccountId
);

impl AccountId {
    /// `n` fresh ids in increasing order, all greater than `after` (see [`ordered_uuid_v7`]):
    /// accounts numbered in the order their directory lists them.
    pub fn generate_in_order(
        now: OffsetDateTime,
        after: Option<Self>,
        n: usize,
        rng: &mut dyn RandomSource,
    ) -> Vec<Self> {
        ordered_uuid_v7(now, after.map(|a| a.0), n, rng)
            .into_iter()
            .map(Self)
            .collect()
    }
}
uuid_id!(
    /// A flow (login, reset, …) in progress; carried by a cookie, continued by any node.
    FlowId
);
uuid_id!(
    /// An item of the built-in credential vault.
    VaultItemId
);
uuid_id!(
    /// A mass password onboarding or reset run.
    MprJobId
);

/// Why a name is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty or longer than the limit.
    #[error("must be 1 to {max} characters long")]
    Length {
        /// The limit.
        max: usize,
    },
    /// A character outside the allowed set.
    #[error("may contain only letters A-Z, a-z, digits, '_' and '-' (found {found:?})")]
    Charset {
        /// The first offending character.
        found: char,
    },
}

/// Checks a name made of ASCII letters, digits, `_` and `-`, 1..=`max` characters.
pub fn validate_name(name: &str, max: usize) -> Result<(), NameError> {
    if name.is_empty() || name.len() > max {
        return Err(NameError::Length { max });
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        Some(found) => Err(NameError::Charset { found }),
        None => Ok(()),
    }
}

macro_rules! name_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps a name (letters, digits, `_`, `-`; up to 64 characters).
            pub fn new(name: impl Into<String>) -> Result<Self, NameError> {
                let name = name.into();
                validate_name(&name, 64)?;
                Ok(Self(name))
            }

            /// The name as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl FromStr for $name {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }
    };
}

name_id!(
    /// A target system's id, e.g. `CORP_AD` or `ldap-main`.
    TargetId
);
name_id!(
    /// A user class's id, e.g. `MPR_ADMINS`.
    UserClassId
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededRandom;

    #[test]
    fn uuid_v7_orders_by_time() {
        let mut rng = SeededRandom::new(3);
        let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let t1 = t0 + time::Duration::milliseconds(5);
        let a = ProfileId::generate(t0, &mut rng);
        let b = ProfileId::generate(t1, &mut rng);
        assert!(a < b);
        assert_eq!(a.0.get_version_num(), 7);
        assert_eq!(a.to_string().parse::<ProfileId>().ok(), Some(a));
    }

    #[test]
    fn ids_generated_in_order_sort_in_order_across_lists() {
        let mut rng = SeededRandom::new(11);
        let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let first = AccountId::generate_in_order(t0, None, 500, &mut rng);
        // The next list comes within the same millisecond, and then from a clock that went back.
        let second = AccountId::generate_in_order(t0, first.last().copied(), 500, &mut rng);
        let earlier = t0 - time::Duration::seconds(1);
        let third = AccountId::generate_in_order(earlier, second.last().copied(), 3, &mut rng);
        let all: Vec<AccountId> = first.into_iter().chain(second).chain(third).collect();
        assert_eq!(all.len(), 1003);
        assert!(all.windows(2).all(|w| w[0] < w[1]), "strictly increasing");
        assert!(all.iter().all(|id| id.0.get_version_num() == 7));
        assert!(AccountId::generate_in_order(t0, None, 0, &mut rng).is_empty());
    }

    #[test]
    fn names_are_validated() {
        assert!(TargetId::new("CORP_AD").is_ok());
        assert!(UserClassId::new("MPR_ADMINS").is_ok());
        assert_eq!(TargetId::new(""), Err(NameError::Length { max: 64 }));
        assert_eq!(TargetId::new("a b"), Err(NameError::Charset { found: ' ' }));
        assert!(TargetId::new("x".repeat(65)).is_err());
        assert!(UserClassId::new("ü").is_err());
    }
}
