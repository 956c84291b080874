//! The cost limits: every parameter an imported hash chooses is checked here before any hashing,
//! and so is every cost [`super::hash`] is asked to produce.

use super::{
    AnswerHashError, MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_PARALLELISM, MAX_ARGON2_WORK_KIB,
    MAX_BCRYPT_COST, MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_LOG_N, MAX_SCRYPT_MEMORY_BYTES,
    MAX_SCRYPT_P, MAX_SCRYPT_WORK_BYTES, Scheme,
};

fn too_high(scheme: Scheme, parameter: &'static str, value: u64, max: u64) -> AnswerHashError {
    AnswerHashError::CostTooHigh {
        scheme,
        parameter,
        value,
        max,
    }
}

fn invalid(scheme: Scheme, parameter: &'static str, value: u64) -> AnswerHashError {
    AnswerHashError::InvalidCost {
        scheme,
        parameter,
        value,
    }
}

/// `blocks` is how many PRF outputs the stored length needs: each costs `iterations` again.
pub(super) fn check_pbkdf2(
    scheme: Scheme,
    iterations: u64,
    blocks: u64,
) -> Result<u32, AnswerHashError> {
    let max = MAX_PBKDF2_ITERATIONS;
    if iterations > max {
        return Err(too_high(scheme, "iterations", iterations, max));
    }
    let work = iterations.saturating_mul(blocks);
    if work > max {
        return Err(too_high(scheme, "iterations × output blocks", work, max));
    }
    match u32::try_from(iterations) {
        Ok(i) if i > 0 => Ok(i),
        _ => Err(invalid(scheme, "iterations", iterations)),
    }
}

pub(super) fn check_bcrypt(cost: u64) -> Result<u32, AnswerHashError> {
    if cost > MAX_BCRYPT_COST {
        return Err(too_high(Scheme::Bcrypt, "cost", cost, MAX_BCRYPT_COST));
    }
    match u32::try_from(cost) {
        Ok(c) if c >= 4 => Ok(c),
        _ => Err(invalid(Scheme::Bcrypt, "cost", cost)),
    }
}

pub(super) fn check_scrypt(log_n: u64, r: u64, p: u64) -> Result<(u8, u32, u32), AnswerHashError> {
    let s = Scheme::Scrypt;
    if log_n > MAX_SCRYPT_LOG_N {
        return Err(too_high(s, "log2(N)", log_n, MAX_SCRYPT_LOG_N));
    }
    if p > MAX_SCRYPT_P {
        return Err(too_high(s, "p", p, MAX_SCRYPT_P));
    }
    // log_n ≤ 20 and r < 2^34 (ten digits), so this cannot overflow.
    let memory = 128u64.saturating_mul(r).saturating_mul(1 << log_n);
    if memory > MAX_SCRYPT_MEMORY_BYTES {
        return Err(too_high(
            s,
            "memory (128·r·N bytes)",
            memory,
            MAX_SCRYPT_MEMORY_BYTES,
        ));
    }
    let work = memory.saturating_mul(p);
    if work > MAX_SCRYPT_WORK_BYTES {
        return Err(too_high(
            s,
            "work (128·r·N·p bytes)",
            work,
            MAX_SCRYPT_WORK_BYTES,
        ));
    }
    let log_n = u8::try_from(log_n)
        .ok()
        .filter(|l| *l > 0)
        .ok_or(invalid(s, "log2(N)", log_n))?;
    let r = u32::try_from(r)
        .ok()
        .filter(|r| *r > 0)
        .ok_or(invalid(s, "r", r))?;
    let p = u32::try_from(p)
        .ok()
        .filter(|p| *p > 0)
        .ok_or(invalid(s, "p", p))?;
    Ok((log_n, r, p))
}

pub(super) fn check_argon2(m: u64, t: u64, p: u64) -> Result<(u32, u32, u32), AnswerHashError> {
    let s = Scheme::Argon2id;
    if m > MAX_ARGON2_MEMORY_KIB {
        return Err(too_high(s, "memory (KiB)", m, MAX_ARGON2_MEMORY_KIB));
    }
    if m.saturating_mul(t) > MAX_ARGON2_WORK_KIB {
        return Err(too_high(
            s,
            "memory × passes (KiB)",
            m.saturating_mul(t),
            MAX_ARGON2_WORK_KIB,
        ));
    }
    if p > MAX_ARGON2_PARALLELISM {
        return Err(too_high(s, "parallelism", p, MAX_ARGON2_PARALLELISM));
    }
    // Argon2 needs at least 8 KiB per lane.
    let p32 = u32::try_from(p)
        .ok()
        .filter(|p| *p > 0)
        .ok_or(invalid(s, "parallelism", p))?;
    let t32 = u32::try_from(t)
        .ok()
        .filter(|t| *t > 0)
        .ok_or(invalid(s, "passes", t))?;
    let m32 = u32::try_from(m)
        .ok()
        .filter(|m| *m >= 8 * p32)
        .ok_or(invalid(s, "memory (KiB)", m))?;
    Ok((m32, t32, p32))
}
