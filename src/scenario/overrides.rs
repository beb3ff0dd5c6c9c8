//! `--set KEY=VALUE`: changes to a scenario given on the command line, by the
//! file's own dotted path (`link.wan.bandwidth`, `vm.sql01.churn`,
//! `recovery.decision_delay`, `targets.rto`).
//!
//! Arrays of tables (`[[site]]`, `[[link]]`, `[[group]]`, `[[vm]]`,
//! `[[outage]]`) are addressed by `id` (or by position: `outage.0`). An
//! override is applied to the text with its layout kept, then the text is
//! validated like the file: a problem at an overridden key names the flag; a
//! problem elsewhere keeps its place in the file (lines the overrides
//! inserted are accounted for).

use toml_edit::{DocumentMut, Item, Table};

use super::locate::KeyPath;
use super::{Diagnostic, ScenarioError, suggest};

/// One `--set KEY=VALUE`.
#[derive(Debug, Clone)]
pub struct Override {
    /// As given on the command line, for messages.
    pub flag: String,
    key: Vec<String>,
    value: Item,
}

impl Override {
    /// Reads `KEY=VALUE`; a VALUE that is not TOML (`300Mbps`) is a string.
    /// A text that is not `KEY=VALUE` is an error naming the flag.
    pub fn parse(text: &str) -> Result<Override, ScenarioError> {
        Override::parse_as("--set", text)
    }

    /// [`Override::parse`] for a change given by another flag (`--set-b`,
    /// `--vary`), which its messages then name.
    pub fn parse_as(flag: &str, text: &str) -> Result<Override, ScenarioError> {
        Override::read(flag, text).map_err(ScenarioError::from_flag)
    }

    fn read(flag: &str, text: &str) -> Result<Override, String> {
        let (key, value) = text.split_once('=').ok_or_else(|| {
            format!("{flag} {text}: write KEY=VALUE, e.g. {flag} link.wan.bandwidth=\"300 Mbps\"")
        })?;
        let key: Vec<String> = key
            .trim()
            .split('.')
            .map(|s| s.trim().to_string())
            .collect();
        if key.iter().any(String::is_empty) {
            return Err(format!("{flag} {text}: the key has an empty part"));
        }
        let value = value.trim();
        let item = format!("v = {value}")
            .parse::<DocumentMut>()
            .ok()
            .and_then(|mut d| d.remove("v"))
            .unwrap_or_else(|| toml_edit::value(value));
        Ok(Override {
            flag: format!("{flag} {text}"),
            key,
            value: item,
        })
    }
}

/// Reads every `--set KEY=VALUE`; the first that cannot be read is the error.
pub fn parse_all(sets: &[String]) -> Result<Vec<Override>, ScenarioError> {
    parse_all_as("--set", sets)
}

/// [`parse_all`] for changes given by another flag (`--set-b`).
pub fn parse_all_as(flag: &str, sets: &[String]) -> Result<Vec<Override>, ScenarioError> {
    sets.iter().map(|s| Override::parse_as(flag, s)).collect()
}

/// A located problem in an override itself (not in the file).
fn flag_error(o: &Override, message: String) -> ScenarioError {
    ScenarioError::Invalid {
        diagnostics: vec![Diagnostic {
            excerpt: None,
            file: o.flag.clone(),
            line: 0,
            column: 0,
            key: o.key.join("."),
            message,
        }],
    }
}

/// Sections that are arrays of tables, addressed by `id`.
const ARRAYS: [&str; 5] = ["site", "link", "group", "vm", "outage"];

/// Applies `overrides` to `text`: the edited text, and for each override the
/// key path validation will use for it.
pub fn apply(
    text: &str,
    overrides: &[Override],
) -> Result<(String, Vec<(String, String)>), ScenarioError> {
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| ScenarioError::Invalid {
                diagnostics: vec![Diagnostic {
                    excerpt: None,
                    file: "scenario".into(),
                    line: 0,
                    column: 0,
                    key: String::new(),
                    message: format!("not TOML: {e}"),
                }],
            })?;
    let mut located = Vec::new();
    for o in overrides {
        let first = &o.key[0];
        let mut path = KeyPath::root();
        let mut table: &mut Table = doc.as_table_mut();
        let mut parts = o.key.iter();
        if ARRAYS.contains(&first.as_str()) {
            parts.next();
            path = path.key(first);
            let Some(array) = table.get_mut(first).and_then(Item::as_array_of_tables_mut) else {
                return Err(flag_error(o, format!("the scenario has no [[{first}]]")));
            };
            let Some(which) = parts.next() else {
                return Err(flag_error(
                    o,
                    format!("say which [[{first}]]: {first}.<id>.<key>"),
                ));
            };
            let ids: Vec<String> = array
                .iter()
                .map(|t| {
                    t.get("id")
                        .and_then(Item::as_str)
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            let index = match ids.iter().position(|id| id == which) {
                Some(i) => i,
                None => match which.parse::<usize>() {
                    Ok(i) if i < ids.len() => i,
                    _ => {
                        let hint = suggest(which, ids.iter().map(String::as_str))
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default();
                        return Err(flag_error(
                            o,
                            format!(
                                "no [[{first}]] has id `{which}`{hint}; defined: {}",
                                ids.join(", ")
                            ),
                        ));
                    }
                },
            };
            path = path.index(index);
            table = array.get_mut(index).expect("index checked");
        }
        let rest: Vec<&String> = parts.collect();
        let Some((last, middle)) = rest.split_last() else {
            return Err(flag_error(o, "say which key to set".into()));
        };
        for part in middle {
            path = path.key(part);
            let item = table
                .entry(part)
                .or_insert_with(|| Item::Table(Table::new()));
            if item.is_inline_table() {
                // An inline table (a distribution) is replaced as a whole.
                return Err(flag_error(
                    o,
                    format!(
                        "`{part}` is an inline table: set it whole, e.g. --set {}='{{ dist = \"uniform\", min = \"1m\", max = \"5m\" }}'",
                        o.key[..o.key.len() - 1].join(".")
                    ),
                ));
            }
            let Some(next) = item.as_table_mut() else {
                return Err(flag_error(
                    o,
                    format!(
                        "`{part}` is a value, not a table: set it whole, e.g. --set {}=VALUE",
                        o.key[..o.key.len() - 1].join(".")
                    ),
                ));
            };
            table = next;
        }
        path = path.key(last);
        table.insert(last, o.value.clone());
        located.push((path.to_string(), o.flag.clone()));
    }
    Ok((doc.to_string(), located))
}

/// The value at the dotted `key` (addressed as `--set` addresses it) in the
/// scenario `text`, as written: a string's contents, a number, or a
/// distribution's typical value (its `mode`, `median`, `mean` or `value`);
/// `None` when the key is absent or holds none of these. For what a study
/// needs to know of the scenario as given (e.g. `size`'s default range).
pub fn value_at(text: &str, key: &str) -> Option<String> {
    let doc: DocumentMut = text.parse().ok()?;
    let plain = |value: &toml_edit::Value| match value {
        toml_edit::Value::String(s) => Some(s.value().clone()),
        toml_edit::Value::Integer(i) => Some(i.value().to_string()),
        toml_edit::Value::Float(f) => Some(f.value().to_string()),
        _ => None,
    };
    match value_item(&doc, key)? {
        // A distribution: its typical value.
        toml_edit::Value::InlineTable(t) => ["mode", "median", "mean", "value"]
            .iter()
            .find_map(|k| t.get(k).and_then(plain)),
        value => plain(value),
    }
}

/// The value at `key` in `text` as `--set KEY=VALUE` would take it back: a
/// string's contents, anything else as its TOML (a distribution's inline
/// table, a list of windows); `None` when the key is absent.
pub fn written_at(text: &str, key: &str) -> Option<String> {
    let doc: DocumentMut = text.parse().ok()?;
    Some(match value_item(&doc, key)? {
        toml_edit::Value::String(s) => s.value().clone(),
        value => value.clone().decorated("", "").to_string(),
    })
}

/// The `id`s of the entries of the array of tables `section` (`link`, `vm`)
/// in `text`, in file order: the entries `--set section.ID.key` addresses.
pub fn entry_ids(text: &str, section: &str) -> Vec<String> {
    let Ok(doc) = text.parse::<DocumentMut>() else {
        return Vec::new();
    };
    doc.get(section)
        .and_then(Item::as_array_of_tables)
        .map(|array| {
            array
                .iter()
                .filter_map(|t| t.get("id").and_then(Item::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The value `key` addresses in `doc`, as `--set` addresses it.
fn value_item<'d>(doc: &'d DocumentMut, key: &str) -> Option<&'d toml_edit::Value> {
    let mut parts = key.split('.').map(str::trim);
    let first = parts.next()?;
    let mut table: &Table = doc.as_table();
    if ARRAYS.contains(&first) {
        let array = table.get(first)?.as_array_of_tables()?;
        let which = parts.next()?;
        let by_id = array
            .iter()
            .find(|t| t.get("id").and_then(Item::as_str) == Some(which));
        table = match by_id {
            Some(t) => t,
            None => array.get(which.parse().ok()?)?,
        };
    } else {
        parts = key.split('.').map(str::trim);
    }
    let rest: Vec<&str> = parts.collect();
    let (last, middle) = rest.split_last()?;
    for part in middle {
        table = table.get(part)?.as_table()?;
    }
    table.get(last)?.as_value()
}

/// Maps each line of `edited` to its line in `original` (1-based): lines the
/// edit inserted map to the line before them.
pub fn line_map(original: &str, edited: &str) -> Vec<usize> {
    let old: Vec<&str> = original.lines().collect();
    let mut map = vec![0];
    let mut i = 0;
    let new: Vec<&str> = edited.lines().collect();
    for (j, line) in new.iter().enumerate() {
        if i < old.len() && *line == old[i] {
            i += 1;
            map.push(i);
        } else if i < old.len() && new.get(j + 1) == Some(&old[i]) {
            // Inserted before old line i.
            map.push(i.max(1));
        } else {
            // Changed in place.
            i = (i + 1).min(old.len());
            map.push(i.max(1));
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_where_set_would_write_them() {
        let text = r#"
[recovery]
decision_delay = "30m"
[[link]]
id = "wan"
bandwidth = { dist = "triangular", min = "150 Mbps", mode = "200 Mbps", max = "200 Mbps" }
[[vm]]
id = "db"
count = 4
"#;
        assert_eq!(
            value_at(text, "recovery.decision_delay").as_deref(),
            Some("30m")
        );
        assert_eq!(
            value_at(text, "link.wan.bandwidth").as_deref(),
            Some("200 Mbps")
        );
        assert_eq!(
            value_at(text, "link.0.bandwidth").as_deref(),
            Some("200 Mbps")
        );
        assert_eq!(value_at(text, "vm.db.count").as_deref(), Some("4"));
        assert_eq!(value_at(text, "vm.web.count"), None);
        assert_eq!(value_at(text, "recovery.detection_delay"), None);
    }
}
