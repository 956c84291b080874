//! Repository traits: what the decisions need from storage, owned here and implemented by
//! `latchkey-store` for SQLite and PostgreSQL.
//!
//! The traits are small and grouped by aggregate. Three of them carry the atomic primitives that
//! keep Latchkey exact under concurrency, across nodes — each is one SQL statement:
//! - [`CounterRepo::try_increment`]: add one to a counter only while it is below a limit, and say
//!   whether this attempt may be evaluated (lockout, attempt budgets);
//! - [`TokenRepo::consume_token`]: of N concurrent consumers of one token, exactly one wins;
//! - [`FlowRepo::compare_and_set`]: a flow's state moves on only from the version the caller read.

use crate::account::{Account, AccountHead};
use crate::admin::{Administrator, Privilege};
use crate::chain::ChainDef;
use crate::chain::ChainId;
use crate::chain::selector::SelectorRule;
use crate::ids::TargetId;
use crate::ids::{FlowId, ProfileId, UserClassId};
use crate::password_hash::PasswordHashString;
use crate::profile::{LoginId, Profile};
use crate::settings::{SettingRow, Settings};
use crate::token::TokenHash;
use crate::userclass::UserClass;
use crate::userstat::UserStatTag;
use std::collections::BTreeSet;
use std::future::Future;
use time::OffsetDateTime;

/// A storage failure, classified so callers can answer well.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoError {
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A unique key is taken.
    #[error("{0} already exists")]
    Conflict(String),
    /// The database cannot be reached or refused the connection.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// Stored data does not parse (a bug or a hand edit).
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(String),
}

/// Result of a repository call.
pub type RepoResult<T> = Result<T, RepoError>;

/// Profiles and the internal directory's password hashes.
pub trait ProfileRepo {
    /// Creates a profile, with an internal-directory password hash if given.
    fn create_profile(
        &self,
        profile: &Profile,
        password: Option<&PasswordHashString>,
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Creates many profiles in one transaction: all or none.
    fn create_profiles(
        &self,
        profiles: &[(Profile, Option<PasswordHashString>)],
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Finds by login id.
    fn profile_by_login(
        &self,
        login: &LoginId,
    ) -> impl Future<Output = RepoResult<Option<Profile>>> + Send;
    /// Finds by id.
    fn profile_by_id(
        &self,
        id: ProfileId,
    ) -> impl Future<Output = RepoResult<Option<Profile>>> + Send;
    /// Profiles ordered by login id, after `after`, at most `limit`.
    fn list_profiles(
        &self,
        after: Option<&LoginId>,
        limit: u32,
    ) -> impl Future<Output = RepoResult<Vec<Profile>>> + Send;
    /// The login ids of the profiles among `ids` (unknown ids are left out).
    fn login_ids(
        &self,
        ids: &[ProfileId],
    ) -> impl Future<Output = RepoResult<Vec<(ProfileId, String)>>> + Send;
    /// Number of profiles.
    fn count_profiles(&self) -> impl Future<Output = RepoResult<u64>> + Send;
    /// Profiles with a value of attribute `name` whose folded form (see
    /// [`crate::profile::fold_attribute`]) is `folded`: the candidates of an identification by
    /// attributes, to be confirmed with the configured matching rule.
    fn profiles_with_attribute(
        &self,
        name: &str,
        folded: &str,
    ) -> impl Future<Output = RepoResult<Vec<ProfileId>>> + Send;
    /// Replaces display name, email, attributes and states.
    fn update_profile(&self, profile: &Profile) -> impl Future<Output = RepoResult<()>> + Send;
    /// The internal-directory password hash, if the profile has one.
    fn password_hash(
        &self,
        id: ProfileId,
    ) -> impl Future<Output = RepoResult<Option<PasswordHashString>>> + Send;
    /// Sets the internal-directory password hash.
    fn set_password_hash(
        &self,
        id: ProfileId,
        hash: &PasswordHashString,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<()>> + Send;
}

/// Accounts on target systems.
pub trait AccountRepo {
    /// Inserts or updates (by target and account name) an account; returns the stored id.
    fn upsert_account(&self, account: &Account)
    -> impl Future<Output = RepoResult<Account>> + Send;
    /// Accounts of a target, ordered by account name.
    fn accounts_of_target(
        &self,
        target: &TargetId,
    ) -> impl Future<Output = RepoResult<Vec<Account>>> + Send;
    /// Accounts owned by a profile.
    fn accounts_of_owner(
        &self,
        owner: ProfileId,
    ) -> impl Future<Output = RepoResult<Vec<Account>>> + Send;
    /// Up to `limit` accounts of a target without their attributes, by account name, after
    /// the account named `after`.
    fn account_heads(
        &self,
        target: &TargetId,
        after: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = RepoResult<Vec<AccountHead>>> + Send;
}

/// User classes and their membership cache.
pub trait UserClassRepo {
    /// Creates or replaces a class definition (not its cache).
    fn save_user_class(&self, class: &UserClass) -> impl Future<Output = RepoResult<()>> + Send;
    /// One class.
    fn user_class(
        &self,
        id: &UserClassId,
    ) -> impl Future<Output = RepoResult<Option<UserClass>>> + Send;
    /// Every class, by id.
    fn list_user_classes(&self) -> impl Future<Output = RepoResult<Vec<UserClass>>> + Send;
    /// Deletes a class and its cache; false when it did not exist.
    fn delete_user_class(&self, id: &UserClassId) -> impl Future<Output = RepoResult<bool>> + Send;
    /// Replaces the cached members of a class (one transaction).
    fn replace_members(
        &self,
        id: &UserClassId,
        members: &BTreeSet<ProfileId>,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Cached members.
    fn members(
        &self,
        id: &UserClassId,
    ) -> impl Future<Output = RepoResult<BTreeSet<ProfileId>>> + Send;
    /// Classes whose cache lists the profile.
    fn classes_of(
        &self,
        profile: ProfileId,
    ) -> impl Future<Output = RepoResult<Vec<UserClassId>>> + Send;
}

/// USERSTAT tags.
pub trait UserStatRepo {
    /// Sets a tag's value.
    fn set_userstat(
        &self,
        profile: ProfileId,
        tag: &UserStatTag,
        value: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// All tags of a profile.
    fn userstats(
        &self,
        profile: ProfileId,
    ) -> impl Future<Output = RepoResult<Vec<(UserStatTag, String)>>> + Send;
}

/// The settings table.
pub trait SettingsRepo {
    /// Every row, in table order.
    fn settings(&self) -> impl Future<Output = RepoResult<Settings>> + Send;
    /// Replaces all rows of one setting with `rows` (all of the same namespace/setting).
    fn replace_setting(
        &self,
        namespace: &str,
        setting: &str,
        rows: &[SettingRow],
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Appends one row.
    fn add_setting(&self, row: &SettingRow) -> impl Future<Output = RepoResult<()>> + Send;
    /// Removes rows of a setting (only those with `value` when given); returns how many.
    fn unset_setting(
        &self,
        namespace: &str,
        setting: &str,
        value: Option<&str>,
    ) -> impl Future<Output = RepoResult<u64>> + Send;
}

/// Product administrators.
pub trait AdminRepo {
    /// Grants privileges (adds to any already held).
    fn grant(
        &self,
        profile: ProfileId,
        privileges: &[Privilege],
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Revokes privileges.
    fn revoke(
        &self,
        profile: ProfileId,
        privileges: &[Privilege],
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// The administrator record, if the profile holds any privilege.
    fn administrator(
        &self,
        profile: ProfileId,
    ) -> impl Future<Output = RepoResult<Option<Administrator>>> + Send;
    /// Every administrator.
    fn list_administrators(&self) -> impl Future<Output = RepoResult<Vec<Administrator>>> + Send;
}

/// What [`CounterRepo::try_increment`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterAttempt {
    /// The counter was below the limit and now holds `value`: evaluate this attempt.
    Counted {
        /// The new value.
        value: u64,
    },
    /// The counter is at or over the limit: do not evaluate.
    LimitReached,
}

/// Named counters (failed logins, attempt budgets).
pub trait CounterRepo {
    /// Adds one to `key` only while it is below `limit`, in one atomic statement.
    fn try_increment(
        &self,
        key: &str,
        limit: u64,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<CounterAttempt>> + Send;
    /// Takes one back (never below zero): releases a reservation whose attempt succeeded.
    fn decrement(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Current value (0 when absent).
    fn counter(&self, key: &str) -> impl Future<Output = RepoResult<u64>> + Send;
    /// Back to zero.
    fn reset_counter(&self, key: &str) -> impl Future<Output = RepoResult<()>> + Send;
}

/// A one-time token to store (hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// Hash of the token.
    pub hash: TokenHash,
    /// What it is for (e.g. `reset_link`); consumption checks it.
    pub purpose: String,
    /// Whom it is for.
    pub subject: ProfileId,
    /// The flow that created it, if bound to one.
    pub flow: Option<FlowId>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Not valid from this time on.
    pub expires_at: OffsetDateTime,
}

/// A token that was consumed by this caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumedToken {
    /// Whom it was for.
    pub subject: ProfileId,
    /// The flow it was bound to.
    pub flow: Option<FlowId>,
}

/// One-time tokens.
pub trait TokenRepo {
    /// Stores a token.
    fn store_token(&self, token: &NewToken) -> impl Future<Output = RepoResult<()>> + Send;
    /// Consumes an unexpired, unconsumed token with this hash and purpose: exactly one of many
    /// concurrent callers gets `Some`.
    fn consume_token(
        &self,
        hash: &TokenHash,
        purpose: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<Option<ConsumedToken>>> + Send;
    /// Invalidates every outstanding token of a subject (after a reset); returns how many.
    fn revoke_tokens_of(
        &self,
        subject: ProfileId,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<u64>> + Send;
}

/// A flow's persisted state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRecord {
    /// Id.
    pub id: FlowId,
    /// Kind (login, reset, …).
    pub kind: String,
    /// Version: incremented by every successful compare-and-set.
    pub version: u64,
    /// Serialized state (JSON).
    pub state: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Expires.
    pub expires_at: OffsetDateTime,
}

/// Flows in progress, continued by any node.
pub trait FlowRepo {
    /// Stores a new flow at version 0.
    fn create_flow(&self, flow: &FlowRecord) -> impl Future<Output = RepoResult<()>> + Send;
    /// Loads an unexpired flow.
    fn load_flow(
        &self,
        id: FlowId,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<Option<FlowRecord>>> + Send;
    /// Writes `state` and bumps the version only if the stored version is still `expected`.
    /// Returns true when this caller's write won.
    fn compare_and_set(
        &self,
        id: FlowId,
        expected: u64,
        state: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<bool>> + Send;
    /// Removes a flow.
    fn delete_flow(&self, id: FlowId) -> impl Future<Output = RepoResult<()>> + Send;
}

/// A logged-in session (its id is stored hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Hash of the session id.
    pub hash: TokenHash,
    /// Who.
    pub profile: ProfileId,
    /// Started.
    pub created_at: OffsetDateTime,
    /// Ends.
    pub expires_at: OffsetDateTime,
    /// Browser description, for the user's session list.
    pub user_agent: String,
}

/// Sessions.
pub trait SessionRepo {
    /// Stores a session.
    fn create_session(
        &self,
        session: &SessionRecord,
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// An unexpired session by hash.
    fn session(
        &self,
        hash: &TokenHash,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<Option<SessionRecord>>> + Send;
    /// Ends one session.
    fn delete_session(&self, hash: &TokenHash) -> impl Future<Output = RepoResult<()>> + Send;
    /// Ends every session of a profile except `keep`; returns how many ended.
    fn delete_sessions_of(
        &self,
        profile: ProfileId,
        keep: Option<&TokenHash>,
    ) -> impl Future<Output = RepoResult<u64>> + Send;
    /// The unexpired sessions of a profile at `now`, newest first (the person's own list of
    /// where they are signed in).
    fn sessions_of(
        &self,
        profile: ProfileId,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<Vec<SessionRecord>>> + Send;
}

/// One audit event. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When.
    pub at: OffsetDateTime,
    /// Who acted (a profile, or None for anonymous).
    pub actor: Option<ProfileId>,
    /// What happened, e.g. `login.success`.
    pub action: String,
    /// On whom/what.
    pub subject: Option<String>,
    /// Safe detail (JSON text).
    pub detail: String,
}

/// The append-only audit log.
pub trait AuditRepo {
    /// Appends an event.
    fn append_audit(&self, event: &AuditEvent) -> impl Future<Output = RepoResult<()>> + Send;
    /// The newest events first.
    fn recent_audit(&self, limit: u32) -> impl Future<Output = RepoResult<Vec<AuditEvent>>> + Send;
}

/// The authentication configuration: chains and selector rules, versioned as a whole so
/// cached results never outlive a change.
pub trait AuthConfigRepo {
    /// Every stored chain.
    fn chains(&self) -> impl Future<Output = RepoResult<Vec<ChainDef>>> + Send;
    /// Every selector rule, ordered by (stage, rule).
    fn selector_rules(&self) -> impl Future<Output = RepoResult<Vec<SelectorRule>>> + Send;
    /// Creates or replaces one chain (callers check the administration rules first).
    fn save_chain(&self, chain: &ChainDef) -> impl Future<Output = RepoResult<()>> + Send;
    /// Deletes a chain; false when absent.
    fn delete_chain(&self, id: &ChainId) -> impl Future<Output = RepoResult<bool>> + Send;
    /// Adds a rule; a rule with the same selector, stage and rule number is a conflict.
    fn add_selector_rule(&self, rule: &SelectorRule)
    -> impl Future<Output = RepoResult<()>> + Send;
    /// Removes the rule at (selector, stage, rule); false when absent.
    fn remove_selector_rule(
        &self,
        cfg_id: Option<crate::chain::CfgId>,
        stage: u32,
        rule: u32,
    ) -> impl Future<Output = RepoResult<bool>> + Send;
    /// Replaces chains and rules together in one transaction (import, reset). Chains not in
    /// `chains` are kept when `keep_others`, deleted otherwise.
    fn replace_auth_config(
        &self,
        chains: &[ChainDef],
        rules: &[SelectorRule],
        keep_others: bool,
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Applies a scenario component's install or uninstall in one transaction: the complete
    /// new chain set and rule table, plus settings rows added and removed.
    fn apply_component_change(
        &self,
        change: &crate::scenario::Change,
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Every stored security policy, by id.
    fn policies(
        &self,
    ) -> impl Future<Output = RepoResult<Vec<crate::chain::policy::SecurityPolicy>>> + Send;
    /// Creates or replaces a security policy.
    fn save_policy(
        &self,
        policy: &crate::chain::policy::SecurityPolicy,
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Deletes a security policy; false when absent.
    fn delete_policy(&self, id: &str) -> impl Future<Output = RepoResult<bool>> + Send;
    /// Incremented by every change above.
    fn auth_config_version(&self) -> impl Future<Output = RepoResult<u64>> + Send;
}
