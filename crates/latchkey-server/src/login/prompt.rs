//! What a page shows for the current step: built from the module type alone, so the page for
//! an unknown user's generic failure is the page for a known user's password.

use latchkey_core::chain::{ChainId, ModuleType};

/// One input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Form name.
    pub name: &'static str,
    /// Label.
    pub label: &'static str,
    /// `text` or `password`.
    pub input_type: &'static str,
    /// Browser autocomplete hint.
    pub autocomplete: &'static str,
    /// Prefilled value.
    pub value: String,
}

/// A chain the user may pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Chain id (the posted value).
    pub id: String,
    /// Description.
    pub label: String,
}

/// The page for one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// Heading.
    pub title: &'static str,
    /// A sentence under the heading.
    pub intro: String,
    /// Inputs.
    pub fields: Vec<Field>,
    /// Chains to pick from (a choice step).
    pub choices: Vec<Choice>,
    /// Button text.
    pub submit: &'static str,
    /// A user name for password managers (hidden).
    pub username: String,
}

/// The prompt of a module waiting for input; None for module types that never wait.
pub fn for_module(kind: ModuleType, typed: &str) -> Option<Prompt> {
    match kind {
        ModuleType::UserIdent => Some(Prompt {
            title: "Sign in",
            intro: "Enter your user ID.".into(),
            fields: vec![Field {
                name: "user",
                label: "User ID",
                input_type: "text",
                autocomplete: "username",
                value: typed.to_owned(),
            }],
            choices: Vec::new(),
            submit: "Continue",
            username: String::new(),
        }),
        ModuleType::Password | ModuleType::GenericFailure => Some(Prompt {
            title: "Enter your password",
            intro: format!("Signing in as {typed}."),
            fields: vec![Field {
                name: "password",
                label: "Password",
                input_type: "password",
                autocomplete: "current-password",
                value: String::new(),
            }],
            choices: Vec::new(),
            submit: "Sign in",
            username: typed.to_owned(),
        }),
        _ => None,
    }
}

/// The prompt of a chain choice.
pub fn for_choice(options: &[(ChainId, String)]) -> Prompt {
    Prompt {
        title: "Choose how to sign in",
        intro: "Pick one of the ways you can prove who you are.".into(),
        fields: Vec::new(),
        choices: options
            .iter()
            .map(|(id, label)| Choice {
                id: id.to_string(),
                label: if label.is_empty() {
                    id.to_string()
                } else {
                    label.clone()
                },
            })
            .collect(),
        submit: "Continue",
        username: String::new(),
    }
}
