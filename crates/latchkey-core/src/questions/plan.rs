//! A module's draw settings resolved against the catalogue: which sets, how many questions from
//! each, and what counts as a complete enrolment.
//!
//! The plan is made of disjoint *groups*: `set:A=2,set:B=1` gives two groups (A: 2, B: 1); a
//! pooled count `N` gives one group holding every set whose `ask` is above 0. An enrolment is
//! **complete** when, counting only answers to questions that still exist, every group has at
//! least as many answers as it asks, and every set involved has at least its `min_answers`.

use super::QuestionKey;
use super::catalogue::{Catalogue, SetId};
use super::enrol::Enrolment;
use super::settings::{DrawSettings, Incomplete, QuestionCount, SettingsError};
use std::collections::BTreeSet;
use time::Duration;

/// Sets drawn from together, and how many questions they give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub(crate) sets: Vec<SetId>,
    pub(crate) count: usize,
}

/// Resolved draw settings for one module, borrowing the catalogue for this request.
#[derive(Debug, Clone)]
pub struct AskPlan<'c> {
    catalogue: &'c Catalogue,
    groups: Vec<Group>,
    /// Draw a random subset.
    pub random: bool,
    /// When the enrolment is incomplete.
    pub incomplete: Incomplete,
    /// A younger sample is asked again.
    pub resample_after: Duration,
}

impl<'c> AskPlan<'c> {
    /// Resolves `settings` against `catalogue`. Fails when a named set does not exist or no
    /// question would be asked (the module then resolves to Error: misconfigured).
    pub fn new(settings: &DrawSettings, catalogue: &'c Catalogue) -> Result<Self, SettingsError> {
        let asked_by_default = || {
            catalogue
                .sets()
                .iter()
                .filter(|s| s.ask > 0)
                .map(|s| (s.id.clone(), s.ask))
        };
        let groups: Vec<Group> = match &settings.questions {
            QuestionCount::SetDefaults => asked_by_default()
                .map(|(id, ask)| Group {
                    sets: vec![id],
                    count: ask,
                })
                .collect(),
            QuestionCount::PerSet(counts) => {
                if let Some((missing, _)) =
                    counts.iter().find(|(id, _)| catalogue.set(id).is_none())
                {
                    return Err(SettingsError::UnknownSet(missing.to_string()));
                }
                counts
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(id, n)| Group {
                        sets: vec![id.clone()],
                        count: *n,
                    })
                    .collect()
            }
            QuestionCount::Pooled(n) => {
                let sets: Vec<SetId> = asked_by_default().map(|(id, _)| id).collect();
                if sets.is_empty() {
                    Vec::new()
                } else {
                    vec![Group { sets, count: *n }]
                }
            }
        };
        if groups.iter().all(|g| g.count == 0) {
            return Err(SettingsError::NothingToAsk);
        }
        Ok(Self {
            catalogue,
            groups,
            random: settings.random,
            incomplete: settings.incomplete,
            resample_after: settings.resample_after,
        })
    }

    /// The catalogue the plan was made for.
    pub fn catalogue(&self) -> &'c Catalogue {
        self.catalogue
    }

    /// Questions asked per draw.
    pub fn total(&self) -> usize {
        self.groups.iter().map(|g| g.count).sum()
    }

    pub(crate) fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// Enrolled answers that may be drawn for `group`: the question still exists, in enrolment
    /// order, each key once.
    pub(crate) fn candidates<'e>(
        &self,
        group: &Group,
        enrolment: &'e Enrolment,
    ) -> Vec<&'e QuestionKey> {
        let mut seen = BTreeSet::new();
        enrolment
            .answers
            .iter()
            .map(|a| &a.key)
            .filter(|k| group.sets.contains(&k.set) && self.catalogue.is_live(k))
            .filter(|k| seen.insert(*k))
            .collect()
    }

    /// Has the person enrolled enough answers for this module?
    pub fn is_complete(&self, enrolment: &Enrolment) -> bool {
        self.groups.iter().all(|group| {
            let candidates = self.candidates(group, enrolment);
            candidates.len() >= group.count
                && group.sets.iter().all(|id| {
                    let min = self.catalogue.set(id).map_or(0, |s| s.min_answers);
                    candidates.iter().filter(|k| &k.set == id).count() >= min
                })
        })
    }

    /// Is `questions` a valid draw for this plan and enrolment: distinct, enrolled, still
    /// existing, and exactly the number each group asks?
    pub fn fits(&self, questions: &[QuestionKey], enrolment: &Enrolment) -> bool {
        let distinct = questions.iter().collect::<BTreeSet<_>>().len() == questions.len();
        let known = questions
            .iter()
            .all(|k| self.catalogue.is_live(k) && enrolment.answer(k).is_some());
        let counts = self
            .groups
            .iter()
            .all(|g| questions.iter().filter(|k| g.sets.contains(&k.set)).count() == g.count);
        distinct && known && counts && questions.len() == self.total() && !questions.is_empty()
    }
}
