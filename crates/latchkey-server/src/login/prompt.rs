//! What a page shows for the current step. Modules build prompts from their type and state
//! alone, so the page for an unknown user's generic failure is the page for a known user's
//! password; the template renders any prompt.

use latchkey_core::chain::ChainId;

/// One input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Field {
    /// Form name.
    pub name: String,
    /// Label.
    pub label: String,
    /// `text`, `password` or `number`-like text (`inputmode` below).
    pub input_type: &'static str,
    /// Browser autocomplete hint.
    pub autocomplete: &'static str,
    /// `numeric` for PINs and codes, empty otherwise.
    pub inputmode: &'static str,
    /// Prefilled value.
    pub value: String,
    /// May be left empty (a search form's optional field); inputs are required otherwise.
    pub optional: bool,
}

impl Field {
    /// A plain text field.
    pub fn text(name: &str, label: &str, autocomplete: &'static str, value: &str) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            input_type: "text",
            autocomplete,
            inputmode: "",
            value: value.into(),
            optional: false,
        }
    }

    /// A masked field.
    pub fn secret(name: &str, label: &str, autocomplete: &'static str) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            input_type: "password",
            autocomplete,
            inputmode: "",
            value: String::new(),
            optional: false,
        }
    }

    /// A one-time code field (numeric keyboard on phones).
    pub fn code(name: &str, label: &str) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            input_type: "text",
            autocomplete: "one-time-code",
            inputmode: "numeric",
            value: String::new(),
            optional: false,
        }
    }

    /// One option of a radio group: all options of a group share `name`; `value` is posted.
    pub fn radio(name: &str, label: &str, value: &str) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            input_type: "radio",
            autocomplete: "",
            inputmode: "",
            value: value.into(),
            optional: false,
        }
    }
}

/// A chain the user may pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Chain id (the posted value).
    pub id: String,
    /// Description.
    pub label: String,
}

/// A second button on a step's form (e.g. "Send a new PIN"): it submits the same form with
/// `name=1` added, so the module can tell it from the main button.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Button {
    /// Form name posted when it is pressed.
    pub name: String,
    /// Button text.
    pub label: String,
}

/// The page for one step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prompt {
    /// Heading.
    pub title: String,
    /// A sentence under the heading.
    pub intro: String,
    /// Inputs.
    pub fields: Vec<Field>,
    /// Chains to pick from (a choice step).
    pub choices: Vec<Choice>,
    /// Button text.
    pub submit: String,
    /// A user name for password managers (hidden).
    pub username: String,
    /// A second button, after the main one (Enter still presses the main one).
    pub secondary: Option<Button>,
}

/// The prompt of a chain choice.
pub fn for_choice(options: &[(ChainId, String)]) -> Prompt {
    Prompt {
        title: "Choose how to sign in".into(),
        intro: "Pick one of the ways you can prove who you are.".into(),
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
        submit: "Continue".into(),
        ..Prompt::default()
    }
}
