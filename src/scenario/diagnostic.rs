//! What is wrong with a scenario, and where: located diagnostics, their
//! rendering, and the "did you mean" suggestions every check shares.

use std::fmt;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

pub use super::locate::Excerpt;

/// One located problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The key path at fault, e.g. `vm[2].boot_time.median`.
    pub key: String,
    pub message: String,
    /// The line at fault with the offending text marked, shown under the
    /// message; `None` where there is no line (an override, a missing file).
    pub excerpt: Option<Excerpt>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A problem in a command-line override has no line: the flag names it.
        if self.line == 0 {
            // A flag that is not about one key (e.g. `--between`) has none.
            if self.key.is_empty() {
                return write!(f, "{}: {}", self.file, self.message);
            }
            return write!(f, "{}: `{}`: {}", self.file, self.key, self.message);
        }
        write!(
            f,
            "{}:{}:{}: `{}`: {}",
            self.file, self.line, self.column, self.key, self.message
        )?;
        if let Some(excerpt) = &self.excerpt {
            write!(f, "\n{}", render_excerpt(excerpt))?;
        }
        Ok(())
    }
}

impl Diagnostic {
    /// Moves a diagnostic found in the overridden text back to where the user
    /// can see it: to the `--set` flag (`located`: key, flag) when it is about
    /// an overridden key, else to the original file's line (`lines` maps
    /// edited lines to original ones).
    pub(super) fn relocate_after_overrides(
        &mut self,
        located: &[(String, String)],
        lines: &[usize],
    ) {
        // The last override of a key is the one that took effect; a table an
        // override created (`--set newtable.key=1` makes `[newtable]`) is
        // that override's too.
        let flag = located.iter().rev().find(|(key, _)| {
            self.key == *key
                || self.key.starts_with(&format!("{key}."))
                || key.starts_with(&format!("{}.", self.key))
        });
        match flag {
            Some((_, flag)) => {
                self.file.clone_from(flag);
                self.line = 0;
                self.column = 0;
                self.excerpt = None;
            }
            None => {
                self.line = lines.get(self.line).copied().unwrap_or(self.line);
                if let Some(excerpt) = &mut self.excerpt {
                    excerpt.line = self.line;
                }
            }
        }
    }
}

/// The line with the offending text underlined by carets, as compilers show it:
///
/// ```text
///    |
/// 21 | bandwidth = "1e20 Mbps"
///    | ^^^^^^^^^^^^^^^^^^^^^^^
/// ```
fn render_excerpt(excerpt: &Excerpt) -> String {
    let mut marked = excerpt.marked.clone();
    if marked.is_empty() {
        // Mark the character there (none at the line's end) so the caret shows.
        let next = excerpt.text[marked.start..].chars().next();
        marked.end = marked.start + next.map_or(0, char::len_utf8);
    }
    let report = [Group::with_level(Level::ERROR).element(
        Snippet::source(excerpt.text.as_str())
            .line_start(excerpt.line)
            .annotation(AnnotationKind::Primary.span(marked)),
    )];
    let text = Renderer::plain().render(&report);
    // Indented under the message it belongs to.
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a scenario could not be loaded. Both variants are fatal for the run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", render(.diagnostics))]
    Invalid { diagnostics: Vec<Diagnostic> },
}

impl ScenarioError {
    /// A `--set` that cannot be read at all (`message` names it).
    pub fn from_flag(message: String) -> ScenarioError {
        ScenarioError::Invalid {
            diagnostics: vec![Diagnostic {
                excerpt: None,
                file: "--set".into(),
                line: 0,
                column: 0,
                key: String::new(),
                message,
            }],
        }
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<String> = diagnostics.iter().map(Diagnostic::to_string).collect();
    let noun = if diagnostics.len() == 1 {
        "problem"
    } else {
        "problems"
    };
    format!(
        "invalid scenario ({} {noun}):\n  {}",
        diagnostics.len(),
        lines.join("\n  ")
    )
}

/// A file that is not UTF-8, located at its first bad byte.
pub(super) fn not_utf8(file: &str, bytes: &[u8], error: std::str::Utf8Error) -> ScenarioError {
    let offset = error.valid_up_to();
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    ScenarioError::Invalid {
        diagnostics: vec![Diagnostic {
            file: file.to_string(),
            line,
            column,
            key: "(file)".to_string(),
            message: format!(
                "the file is not UTF-8 text (byte 0x{:02X} at offset {offset}); save it as UTF-8",
                bytes[offset]
            ),
            excerpt: Some(Excerpt {
                line,
                // The line up to the bad byte, and the bad byte shown as `?`.
                text: format!("{}\u{FFFD}", String::from_utf8_lossy(&before[line_start..])),
                marked: {
                    let at = String::from_utf8_lossy(&before[line_start..]).len();
                    at..at + '\u{FFFD}'.len_utf8()
                },
            }),
        }],
    }
}

/// serde's messages are terse; add the nearest valid key to unknown-field errors.
pub(super) fn explain_serde_message(message: &str) -> String {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let Some((unknown, expected)) = rest.split_once('`') else {
            return message.to_string();
        };
        let valid: Vec<&str> = expected
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, s)| s)
            .collect();
        return unknown_key_message(unknown, &valid);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("missing required key `{name}`");
    }
    message.to_string()
}

/// "unknown key `x`; did you mean `y`? (valid here: ...)".
pub(super) fn unknown_key_message(unknown: &str, valid: &[&str]) -> String {
    let hint = suggest(unknown, valid.iter().copied())
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    format!(
        "unknown key `{unknown}`{hint} (valid here: {})",
        valid.join(", ")
    )
}

/// The candidate closest to `word` in spelling, if one is close enough to be a typo.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    let candidates: Vec<&'a str> = candidates.collect();
    let typo = candidates
        .iter()
        .map(|&c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c);
    // A name written short (`decision` for `decision_delay`, `boot` for
    // `boot_time`): the one key that begins with the word and an underscore.
    let prefix = format!("{word}_");
    let mut leading = candidates.iter().filter(|c| c.starts_with(&prefix));
    let shortened = match (leading.next(), leading.next()) {
        (Some(&only), None) if word.len() >= 3 => Some(only),
        _ => None,
    };
    typo.or(shortened)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_only() {
        let keys = ["boot_time", "disk_size", "churn"];
        assert_eq!(suggest("bootime", keys.iter().copied()), Some("boot_time"));
        assert_eq!(suggest("chrun", keys.iter().copied()), Some("churn"));
        assert_eq!(suggest("colour", keys.iter().copied()), None);
        // A name written short is completed when only one key begins with it.
        assert_eq!(suggest("boot", keys.iter().copied()), Some("boot_time"));
        let delays = ["detection_delay", "decision_delay", "disk_size"];
        assert_eq!(
            suggest("decision", delays.iter().copied()),
            Some("decision_delay")
        );
        assert_eq!(
            suggest("disk", ["disk_size", "disk_count"].into_iter()),
            None
        );
    }

    #[test]
    fn unknown_field_messages_get_a_suggestion() {
        let m = explain_serde_message("unknown field `bootime`, expected one of `id`, `boot_time`");
        assert_eq!(
            m,
            "unknown key `bootime`; did you mean `boot_time`? (valid here: id, boot_time)"
        );
    }
}
