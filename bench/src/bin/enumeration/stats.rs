//! What one endpoint's pairs add up to, and the table.
//!
//! The difference is taken per pair (known minus unknown, requests sent back to back in
//! alternating order), so drift of the machine during the run cancels out. "z" is the
//! Mann–Whitney rank statistic of the two timing samples (normal approximation): |z| < 1.96
//! means no difference detectable at the 5 % level.

use std::time::Duration;

/// The first pair whose answers differed, kept to show.
struct Mismatch {
    known: (u16, String),
    unknown: (u16, String),
}

/// One endpoint.
pub struct Row {
    name: &'static str,
    known_ms: Vec<f64>,
    unknown_ms: Vec<f64>,
    status_equal: bool,
    bodies_equal: bool,
    first_mismatch: Option<Mismatch>,
}

type Sample = (u16, String, Duration);

impl Row {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            known_ms: Vec::new(),
            unknown_ms: Vec::new(),
            status_equal: true,
            bodies_equal: true,
            first_mismatch: None,
        }
    }

    pub fn add(&mut self, known: Sample, unknown: Sample) {
        self.known_ms.push(known.2.as_secs_f64() * 1000.0);
        self.unknown_ms.push(unknown.2.as_secs_f64() * 1000.0);
        let status = known.0 == unknown.0;
        let body = known.1 == unknown.1;
        self.status_equal &= status;
        self.bodies_equal &= body;
        if !(status && body) && self.first_mismatch.is_none() {
            self.first_mismatch = Some(Mismatch {
                known: (known.0, known.1),
                unknown: (unknown.0, unknown.1),
            });
        }
    }
}

/// The `q` quantile (0..=1) of `values`, nearest rank.
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(rank).copied().unwrap_or(f64::NAN)
}

/// Mann–Whitney z of two samples (ties get their average rank).
fn mann_whitney_z(a: &[f64], b: &[f64]) -> f64 {
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&v| (v, true))
        .chain(b.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut rank_sum_a = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while all
            .get(j + 1)
            .is_some_and(|n| n.0 == all.get(i).map_or(f64::NAN, |m| m.0))
        {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_a += all
            .get(i..=j)
            .map_or(0, |s| s.iter().filter(|e| e.1).count()) as f64
            * average;
        i = j + 1;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let sd = (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt();
    if sd == 0.0 { 0.0 } else { (u - mean) / sd }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "**no**" }
}

/// Prints the table (and the first differing pair of any endpoint); true when every status
/// and body was equal.
pub fn print(rows: &[Row]) -> bool {
    println!(
        "| endpoint | n | status equal | bodies equal | median ms known | median ms unknown | median difference ms | p90 difference ms | z (Mann–Whitney) | goal < 5 ms met |"
    );
    println!("|---|---:|---|---|---:|---:|---:|---:|---:|---|");
    for r in rows {
        let diffs: Vec<f64> = r
            .known_ms
            .iter()
            .zip(&r.unknown_ms)
            .map(|(k, u)| k - u)
            .collect();
        let abs: Vec<f64> = diffs.iter().map(|d| d.abs()).collect();
        let median_diff = quantile(&diffs, 0.5);
        println!(
            "| {} | {} | {} | {} | {:.2} | {:.2} | {:+.2} | {:.2} | {:+.2} | {} |",
            r.name,
            r.known_ms.len(),
            yes(r.status_equal),
            yes(r.bodies_equal),
            quantile(&r.known_ms, 0.5),
            quantile(&r.unknown_ms, 0.5),
            median_diff,
            quantile(&abs, 0.9),
            mann_whitney_z(&r.known_ms, &r.unknown_ms),
            yes(median_diff.abs() < 5.0),
        );
    }
    println!(
        "\nmedian difference: median over pairs of (known − unknown); p90 difference: 90th percentile of |known − unknown| per pair."
    );
    let mut all_equal = true;
    for r in rows {
        if let Some(m) = &r.first_mismatch {
            all_equal = false;
            println!(
                "\n{}: first differing pair — known {} / unknown {}\n--- known\n{}\n--- unknown\n{}",
                r.name, m.known.0, m.unknown.0, m.known.1, m.unknown.1
            );
        }
    }
    all_equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_ranks() {
        assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.5), 2.0);
        assert_eq!(
            quantile(
                &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0],
                0.9
            ),
            10.0
        );
        let same = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(mann_whitney_z(&same, &same), 0.0);
        let low = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let high = [11.0, 12.0, 13.0, 14.0, 15.0, 16.0];
        assert!(mann_whitney_z(&low, &high) < -2.0);
    }
}
