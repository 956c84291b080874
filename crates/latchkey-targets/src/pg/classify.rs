//! PostgreSQL failures mapped onto the classification, by SQLSTATE.

use latchkey_core::target::TargetError;

/// Maps a driver error onto the classification.
pub(super) fn classify(e: sqlx::Error) -> TargetError {
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            let text = db.message().to_owned();
            match code.as_ref() {
                "28P01" => TargetError::BadCredentials,
                "28000" if text.contains("not permitted to log in") => TargetError::Locked,
                "28000" | "42501" => TargetError::PermissionDenied(text),
                "42704" => TargetError::NoSuchAccount(text),
                "3D000" => TargetError::Config(text),
                "57P01" | "57P02" | "57P03" | "53300" | "08006" | "08001" => {
                    TargetError::Unreachable(text)
                }
                "57014" => TargetError::Timeout,
                _ => TargetError::Unknown(format!("{text} (SQLSTATE {code})")),
            }
        }
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => TargetError::Timeout,
        sqlx::Error::PoolTimedOut => TargetError::Timeout,
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed => {
            TargetError::Unreachable(e.to_string())
        }
        sqlx::Error::Configuration(_) => TargetError::Config(e.to_string()),
        _ => TargetError::Unknown(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_failures_are_unreachable_or_timeouts() {
        assert_eq!(classify(sqlx::Error::PoolTimedOut), TargetError::Timeout);
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            classify(sqlx::Error::Io(refused)),
            TargetError::Unreachable(_)
        ));
        let slow = std::io::Error::from(std::io::ErrorKind::TimedOut);
        assert_eq!(classify(sqlx::Error::Io(slow)), TargetError::Timeout);
    }
}
