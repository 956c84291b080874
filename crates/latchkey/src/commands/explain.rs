//! `latchkey chain explain`: what a login would run for one person and request.
//!
//! The request is built the way `GET /login` builds it (`RequestFacts::capture`, the same
//! parameters kept) and the selector's facts are gathered by the login's own
//! `login::facts::gather`, so the rules see here exactly what they see in a real login. The
//! plan itself is `latchkey_core::chain::explain::explain`, printed as is.

use super::{findings, login_request};
use crate::cli::ExplainArgs;
use crate::context::Context;
use crate::failure::{BadInput, plural};
use crate::output::{out, outln};
use latchkey_core::chain::Chains;
use latchkey_core::chain::explain::explain;
use latchkey_core::chain::lint::{Severity, lint};
use latchkey_core::chain::policy::{self, SecurityPolicy};
use latchkey_core::profile::LoginId;
use latchkey_core::repo::{AuthConfigRepo, ProfileRepo, UserClassRepo};
use latchkey_server::login::facts::gather;
use std::collections::BTreeMap;

/// Runs `chain explain`.
pub async fn run(ctx: &Context, args: ExplainArgs) -> anyhow::Result<()> {
    let store = &ctx.store;
    if args.params.iter().any(|(name, _)| name == "USERID") {
        return Err(BadInput::error(
            "give the login id with --user, not --param USERID",
        ));
    }
    let (request, mut notes) =
        login_request::request(args.remote_addr, &args.params, &args.headers)?;

    // A login identifies the user by the id typed (or USERID): an id that is not valid or
    // not known leaves the flow with no user, and so does the explanation.
    let profile = match LoginId::new(&args.user) {
        Ok(login) => store.profile_by_login(&login).await?,
        Err(_) => None,
    };
    let mut state = BTreeMap::new();
    if profile.is_some() {
        state.insert("IDENTIFIED".to_owned(), "1".to_owned());
    }
    let facts = gather(store, &request, profile.as_ref().map(|p| p.id), state).await?;

    let stored_chains = store.chains().await?;
    let rules = store.selector_rules().await?;
    let lint_findings = lint(&stored_chains, &rules);
    let policies = store.policies().await?;

    match &profile {
        Some(p) => outln!(
            "Explaining {} for {} ({}): identified",
            args.chain,
            p.login_id.as_str(),
            p.display_name
        )?,
        None => {
            outln!(
                "Explaining {} for {}: NOT identified",
                args.chain,
                args.user
            )?;
            notes.push(format!(
                "there is no user {:?}: a login with this id is not identified, so it is explained with no user",
                args.user
            ));
        }
    }
    outln!(
        "request: {} {} from {}",
        request.method,
        request.path,
        request.remote_addr
    )?;
    for (name, value) in &request.parameters {
        outln!("  parameter {name}={value}")?;
    }
    for (name, value) in &request.headers {
        outln!("  {name}={value}")?;
    }
    if let Some(asked) = request.parameters.get("PSF_EXT") {
        notes.push(format!(
            "PSF_EXT={asked}: a selector that offers {asked} sends the user straight into it \
             when its rules leave {asked} in the list, and refuses the login when they do not"
        ));
    }
    for note in &notes {
        outln!("note: {note}")?;
    }
    outln!()?;
    // Once identified, a user runs the global chains merged with the policies of their user
    // classes (spec §6): show the merge, then plan with the merged chains.
    let mut chains = Chains::new(stored_chains.clone());
    if policies.is_empty() {
        outln!("policies: none are stored, so every user runs the stored chains")?;
    } else if let Some(p) = &profile {
        let classes = store.classes_of(p.id).await?.into_iter().collect();
        match policy::policies_for(&classes, &policies) {
            Err(e) => {
                outln!("policies: {e} -> a login by this user is DENIED (configuration error)")?;
            }
            Ok((None, None)) => outln!("policies: none applies to this user's classes")?,
            Ok((organization, archetype)) => {
                let global = SecurityPolicy {
                    id: "global".into(),
                    sequences: stored_chains.clone(),
                    ..SecurityPolicy::default()
                };
                outln!("policies merged for this user (archetype over organization over global):")?;
                for line in policy::explain_merge(&global, organization, archetype).lines() {
                    outln!("  {line}")?;
                }
                chains = Chains::new(policy::effective(&global, organization, archetype).chains());
            }
        }
    } else {
        outln!("policies: not applied (the user is not identified)")?;
    }
    outln!()?;
    out!(
        "{}",
        explain(&chains, &rules, &args.chain, &facts, &lint_findings)
    )?;
    outln!()?;
    let errors = lint_findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = lint_findings.len() - errors;
    outln!(
        "configuration lint: {errors} error{}, {warnings} warning{}",
        plural(errors),
        plural(warnings)
    )?;
    findings::print_warnings(&lint_findings)?;
    for finding in lint_findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
    {
        outln!("{finding}")?;
    }
    Ok(())
}
