//! The command line of security questions: `questions sets | enrol | reset`.

use clap::Subcommand;

/// `latchkey questions …`.
#[derive(Debug, Subcommand)]
pub enum QuestionsCommand {
    /// List the question sets and their questions
    #[command(
        after_help = "Examples:\n  latchkey questions sets\n  latchkey questions sets --lang fr"
    )]
    Sets {
        /// Show the questions in this language where a translation exists (e.g. fr)
        #[arg(long, value_name = "LANG")]
        lang: Option<String>,
    },
    /// Enrol a person's answers (replaces their earlier answers), read from standard input
    #[command(
        long_about = "Enrol a person's security answers, replacing any earlier ones. Answers are \
                      never accepted as arguments: pipe one per line to --answers-stdin, as \
                      SET/QUESTION_ID=answer (for a set where people write their own questions, \
                      SET/question text=answer; the question may not contain '='). Blank lines \
                      and lines starting with # are skipped. Every line is checked first; if \
                      anything is wrong, every problem is reported by line (answers are never \
                      shown) and nothing is stored. Only hashes of the answers are kept. The \
                      person's USERSTAT PSQDONE is set, so the login offers security questions.",
        after_help = "Example:\n  printf '%s\\n' 'STANDARD/first_pet=Rex' 'STANDARD/first_school=Jules Ferry' 'STANDARD/first_car=Renault 5' \\\n    | latchkey questions enrol alice.martin --answers-stdin\n  latchkey questions sets      the question ids"
    )]
    Enrol {
        /// Login id
        login: String,
        /// Read SET/QUESTION_ID=answer lines from standard input
        #[arg(long, required = true)]
        answers_stdin: bool,
    },
    /// Forget a person's answers and the questions last drawn for them
    #[command(after_help = "Example:\n  latchkey questions reset alice.martin")]
    Reset {
        /// Login id
        login: String,
    },
}
