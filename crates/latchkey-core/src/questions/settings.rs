//! Module settings of `response` and `scoreqna`, parsed from the module's text settings.
//!
//! | key | modules | format | default |
//! |---|---|---|---|
//! | `questions` | both | empty: each set's own `ask` count; `N`: N questions drawn from every set whose `ask` is above 0, pooled; `set:ID=N,set:ID=N`: N from each named set, none from others | empty |
//! | `random` | both | `yes`/`no`: draw a random subset of the enrolled answers, or always the first ones | `yes` |
//! | `incomplete` | both | `fail`/`ignore`: what the module does when the person has not enrolled enough answers | `fail` |
//! | `resample` | both | `0` or a number with a unit `s`, `m`, `h`, `d` (at most `30d`): how long the same questions are asked again | `1h` |
//! | `points` | scoreqna | `N` (every question), `set:ID=N`, `question:SET/QID=N`, comma-separated; the most specific wins; 1..=100 | `1` |
//! | `penalty` | scoreqna | same format, 0..=100, deducted for a wrong answer | `0` |
//! | `pass` | scoreqna | a score from 1 to 10000 that passes | every drawn question right |
//! | `fail` | scoreqna | a score (-10000..10000, below `pass`) at or below which the run fails at once | none |
//!
//! Unknown keys are refused, so a misspelt setting is an error rather than silently ignored.

use super::catalogue::{MAX_ANSWERS_PER_SET, QuestionId, SetId};
use super::{QuestionKey, QuestionRef};
use crate::chain::Resolved;
use std::collections::BTreeMap;
use time::Duration;

/// Keys both modules read.
pub const DRAW_KEYS: [&str; 4] = ["questions", "random", "incomplete", "resample"];
/// Keys only `scoreqna` reads.
pub const SCORE_KEYS: [&str; 4] = ["points", "penalty", "pass", "fail"];
/// The most questions one login may draw.
pub const MAX_QUESTIONS: usize = 50;
/// Default re-sample interval.
pub const DEFAULT_RESAMPLE: Duration = Duration::HOUR;

/// A setting that cannot be used; names the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// The key is not a setting of this module.
    #[error("unknown setting {0:?}")]
    UnknownKey(String),
    /// The value is not acceptable.
    #[error("setting {key}: {problem}")]
    Value {
        /// The key.
        key: &'static str,
        /// What is wrong, and what to write instead.
        problem: String,
    },
    /// The settings name a question set that does not exist.
    #[error("setting questions: question set {0} does not exist")]
    UnknownSet(String),
    /// The settings ask no question at all.
    #[error("setting questions: no question would be asked")]
    NothingToAsk,
}

impl SettingsError {
    /// The module's outcome when its settings cannot be used: Error (misconfigured), never a
    /// failure of the person.
    pub fn resolved(&self) -> Resolved {
        Resolved::Error(format!("question module settings: {self}"))
    }
}

fn bad(key: &'static str, problem: impl Into<String>) -> SettingsError {
    SettingsError::Value {
        key,
        problem: problem.into(),
    }
}

/// How many questions to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionCount {
    /// Each set's own `ask` count.
    SetDefaults,
    /// N questions from the named sets; other sets are not asked.
    PerSet(Vec<(SetId, usize)>),
    /// N questions drawn from the enrolled answers of every set whose `ask` is above 0.
    Pooled(usize),
}

/// What a module does when the person's enrolment is incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incomplete {
    /// The module fails (counts as a failure).
    Fail,
    /// The module does not apply (another module must decide).
    Ignore,
}

impl Incomplete {
    /// The module's outcome for an incomplete enrolment.
    pub fn resolved(self) -> Resolved {
        match self {
            Incomplete::Fail => Resolved::Fail(super::NOT_ENROLLED.to_owned()),
            Incomplete::Ignore => Resolved::Ignore,
        }
    }
}

/// What both question modules need to draw questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawSettings {
    /// How many questions, from which sets.
    pub questions: QuestionCount,
    /// Draw a random subset (else the first enrolled answers of each set, in order).
    pub random: bool,
    /// When the enrolment is incomplete.
    pub incomplete: Incomplete,
    /// A sample younger than this is asked again unchanged (zero: always draw anew).
    pub resample_after: Duration,
}

fn value<'a>(settings: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    settings
        .get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
}

fn check_keys(settings: &BTreeMap<String, String>, allowed: &[&str]) -> Result<(), SettingsError> {
    match settings.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(SettingsError::UnknownKey(k.clone())),
        None => Ok(()),
    }
}

fn parse_questions(raw: Option<&str>) -> Result<QuestionCount, SettingsError> {
    let Some(raw) = raw else {
        return Ok(QuestionCount::SetDefaults);
    };
    let range = format!("use a number from 1 to {MAX_QUESTIONS}");
    if raw.chars().all(|c| c.is_ascii_digit()) {
        let n: usize = raw.parse().map_err(|_| bad("questions", range.clone()))?;
        if n == 0 || n > MAX_QUESTIONS {
            return Err(bad("questions", range));
        }
        return Ok(QuestionCount::Pooled(n));
    }
    let mut out: Vec<(SetId, usize)> = Vec::new();
    for item in raw.split(',').map(str::trim) {
        let parsed = item
            .strip_prefix("set:")
            .and_then(|rest| rest.split_once('='))
            .and_then(|(id, n)| Some((SetId::new(id.trim()).ok()?, n.trim().parse().ok()?)));
        let Some((id, n)) = parsed else {
            return Err(bad(
                "questions",
                format!(
                    "{item:?} is not valid: write a number, or set:ID=N items separated by commas"
                ),
            ));
        };
        if n > MAX_ANSWERS_PER_SET {
            return Err(bad(
                "questions",
                format!("at most {MAX_ANSWERS_PER_SET} questions per set"),
            ));
        }
        if out.iter().any(|(seen, _)| *seen == id) {
            return Err(bad("questions", format!("set {id} is named twice")));
        }
        out.push((id, n));
    }
    if out.iter().all(|(_, n)| *n == 0) {
        return Err(SettingsError::NothingToAsk);
    }
    Ok(QuestionCount::PerSet(out))
}

fn parse_yes_no(
    key: &'static str,
    raw: Option<&str>,
    default: bool,
) -> Result<bool, SettingsError> {
    match raw.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("yes" | "true" | "on") => Ok(true),
        Some("no" | "false" | "off") => Ok(false),
        Some(_) => Err(bad(key, "use yes or no")),
    }
}

/// Parses `0`, `90s`, `30m`, `1h`, `2d` (at most 30 days).
pub fn parse_interval(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    if raw == "0" {
        return Some(Duration::ZERO);
    }
    let split = raw.len().checked_sub(1)?;
    let (number, unit) = (raw.get(..split)?, raw.get(split..)?);
    let n: i64 = number.parse().ok().filter(|n| *n >= 0)?;
    let seconds = match unit {
        "s" => Some(1),
        "m" => Some(60),
        "h" => Some(3600),
        "d" => Some(86_400),
        _ => None,
    }?;
    let total = Duration::seconds(n.checked_mul(seconds)?);
    (total <= Duration::days(30)).then_some(total)
}

impl DrawSettings {
    /// Parses the `response` module's settings.
    pub fn parse(settings: &BTreeMap<String, String>) -> Result<Self, SettingsError> {
        check_keys(settings, &DRAW_KEYS)?;
        Self::parse_known(settings)
    }

    fn parse_known(settings: &BTreeMap<String, String>) -> Result<Self, SettingsError> {
        let incomplete = match value(settings, "incomplete").map(str::to_ascii_lowercase) {
            None => Incomplete::Fail,
            Some(v) if v == "fail" => Incomplete::Fail,
            Some(v) if v == "ignore" => Incomplete::Ignore,
            Some(_) => return Err(bad("incomplete", "use fail or ignore")),
        };
        let resample_after = match value(settings, "resample") {
            None => DEFAULT_RESAMPLE,
            Some(raw) => parse_interval(raw)
                .ok_or_else(|| bad("resample", "use 0 or a number with s, m, h or d, up to 30d"))?,
        };
        Ok(Self {
            questions: parse_questions(value(settings, "questions"))?,
            random: parse_yes_no("random", value(settings, "random"), true)?,
            incomplete,
            resample_after,
        })
    }
}

/// Points (or penalties) per question: a default, per set, per pre-defined question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightTable {
    default: u32,
    sets: BTreeMap<SetId, u32>,
    questions: BTreeMap<(SetId, QuestionId), u32>,
}

impl WeightTable {
    /// The weight of `key`: its own, else its set's, else the default.
    pub fn for_key(&self, key: &QuestionKey) -> u32 {
        let own = match &key.question {
            QuestionRef::Predefined(id) => self.questions.get(&(key.set.clone(), id.clone())),
            QuestionRef::Own(_) => None,
        };
        own.or_else(|| self.sets.get(&key.set))
            .copied()
            .unwrap_or(self.default)
    }

    fn parse(
        key: &'static str,
        raw: Option<&str>,
        default: u32,
        range: std::ops::RangeInclusive<u32>,
    ) -> Result<Self, SettingsError> {
        let mut table = Self {
            default,
            sets: BTreeMap::new(),
            questions: BTreeMap::new(),
        };
        let limits = format!("weights are {} to {}", range.start(), range.end());
        for item in raw
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            let invalid = || {
                bad(
                    key,
                    format!("{item:?} is not valid: write N, set:ID=N or question:SET/QID=N"),
                )
            };
            let (target, n) = match item.split_once('=') {
                Some((t, n)) => (Some(t.trim()), n.trim()),
                None => (None, item),
            };
            let n: u32 = n.parse().map_err(|_| invalid())?;
            if !range.contains(&n) {
                return Err(bad(key, limits));
            }
            let fresh = match target {
                None => {
                    table.default = n;
                    true
                }
                Some(t) => {
                    if let Some(set) = t.strip_prefix("set:") {
                        let set = SetId::new(set).map_err(|_| invalid())?;
                        table.sets.insert(set, n).is_none()
                    } else if let Some(q) = t.strip_prefix("question:") {
                        let (set, qid) = q.split_once('/').ok_or_else(invalid)?;
                        let set = SetId::new(set).map_err(|_| invalid())?;
                        let qid = QuestionId::new(qid).map_err(|_| invalid())?;
                        table.questions.insert((set, qid), n).is_none()
                    } else {
                        return Err(invalid());
                    }
                }
            };
            if !fresh {
                return Err(bad(key, format!("{item:?} repeats an earlier item")));
            }
        }
        Ok(table)
    }
}

/// The `scoreqna` module's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreSettings {
    /// Which questions to draw (the sample's length is the most questions asked).
    pub draw: DrawSettings,
    /// Points for a correct answer.
    pub points: WeightTable,
    /// Points deducted for a wrong answer.
    pub penalty: WeightTable,
    /// Score that passes (`None`: every drawn question must be right).
    pub pass: Option<i64>,
    /// Score at or below which the run fails at once.
    pub fail: Option<i64>,
}

fn parse_score(
    key: &'static str,
    raw: Option<&str>,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<i64>, SettingsError> {
    raw.map(|v| {
        v.parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                bad(
                    key,
                    format!(
                        "use a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            })
    })
    .transpose()
}

impl ScoreSettings {
    /// Parses the `scoreqna` module's settings.
    pub fn parse(settings: &BTreeMap<String, String>) -> Result<Self, SettingsError> {
        let allowed: Vec<&str> = DRAW_KEYS.iter().chain(SCORE_KEYS.iter()).copied().collect();
        check_keys(settings, &allowed)?;
        let pass = parse_score("pass", value(settings, "pass"), 1..=10_000)?;
        let fail = parse_score("fail", value(settings, "fail"), -10_000..=9_999)?;
        if let (Some(p), Some(f)) = (pass, fail)
            && f >= p
        {
            return Err(bad("fail", "must be below pass"));
        }
        Ok(Self {
            draw: DrawSettings::parse_known(settings)?,
            points: WeightTable::parse("points", value(settings, "points"), 1, 1..=100)?,
            penalty: WeightTable::parse("penalty", value(settings, "penalty"), 0, 0..=100)?,
            pass,
            fail,
        })
    }
}
