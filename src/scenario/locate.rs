//! Maps key paths to line and column in the scenario text, and error spans back to key paths.
//!
//! Validation works on deserialized values and names what is wrong by a
//! [`KeyPath`] (`vm[2].boot_time.median`). To tell the user *where* that is, the
//! text is parsed once more into toml's spanned tree and the path is walked as far
//! as it exists; serde errors, which come with a byte span but no path, are located
//! the other way round.

use std::fmt;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step into a TOML document: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// A dotted path to a value in the scenario file, e.g. `vm[2].boot_time.median`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPath(Vec<PathSegment>);

impl KeyPath {
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    pub fn key(&self, key: &str) -> KeyPath {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Key(key.to_string()));
        KeyPath(segments)
    }

    pub fn index(&self, index: usize) -> KeyPath {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Index(index));
        KeyPath(segments)
    }

    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }
}

impl From<&str> for KeyPath {
    fn from(dotted: &str) -> Self {
        KeyPath(
            dotted
                .split('.')
                .filter(|s| !s.is_empty())
                .map(|s| PathSegment::Key(s.to_string()))
                .collect(),
        )
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(k) if i == 0 => write!(f, "{k}")?,
                PathSegment::Key(k) => write!(f, ".{k}")?,
                PathSegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Line and column (both 1-based) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// One line of a scenario with the part at fault marked (byte offsets in the line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    pub line: usize,
    pub text: String,
    pub marked: std::ops::Range<usize>,
}

impl Excerpt {
    /// The line of `text` holding `span.start`, marked up to `span.end` or the
    /// end of the line, whichever comes first.
    pub fn of(text: &str, span: std::ops::Range<usize>) -> Excerpt {
        let at = span.start.min(text.len());
        let (line, _) = line_column(text, at);
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line_text = text[line_start..line_end].trim_end_matches('\r');
        // The span may start past what is shown (on a trailing `\r`): mark the end.
        let shown_end = line_start + line_text.len();
        let start = at.min(shown_end);
        let end = span.end.clamp(start, shown_end);
        Excerpt {
            line,
            text: line_text.to_string(),
            marked: (start - line_start)..(end - line_start),
        }
    }
}

/// The spanned tree of one scenario text.
pub struct Locator<'a> {
    text: &'a str,
    root: Option<Spanned<DeTable<'a>>>,
}

impl fmt::Debug for Locator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Locator").finish_non_exhaustive()
    }
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        Locator {
            text,
            root: DeTable::parse(text).ok(),
        }
    }

    /// Line and column of the deepest existing part of `path`: the key itself when
    /// present, else the table that should have held it.
    pub fn position(&self, path: &KeyPath) -> (usize, usize) {
        line_column(self.text, self.span(path).start)
    }

    /// The located part of `path` with the source line it starts on, for
    /// showing the line with the offending text underlined.
    pub fn excerpt(&self, path: &KeyPath) -> Option<Excerpt> {
        self.root.as_ref()?;
        Some(Excerpt::of(self.text, self.span(path)))
    }

    /// Like [`Locator::excerpt`], underlining only the first `width`
    /// characters (a key's name, not its value).
    pub fn excerpt_of_width(&self, path: &KeyPath, width: usize) -> Option<Excerpt> {
        self.root.as_ref()?;
        let span = self.span(path);
        let end = (span.start + width).min(span.end);
        Some(Excerpt::of(self.text, span.start..end))
    }

    /// The text of the deepest existing part of `path`: from its key to the
    /// end of its value (`key = value`), an array item, or a table's key.
    fn span(&self, path: &KeyPath) -> std::ops::Range<usize> {
        let Some(root) = &self.root else {
            return 0..0;
        };
        let mut span = 0..0;
        let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
        let mut value: Option<&DeValue<'_>> = None;
        for segment in path.segments() {
            match segment {
                PathSegment::Key(key) => {
                    let Some(t) = table.or_else(|| value.and_then(DeValue::as_table)) else {
                        break;
                    };
                    let Some((k, v)) = t.iter().find(|(k, _)| k.get_ref() == key) else {
                        break;
                    };
                    // The key and its value when written together (`key =
                    // value`); a table opened by a header keeps its key's span.
                    let (key, of_value) = (k.span(), v.span());
                    span = if of_value.start >= key.end {
                        key.start..of_value.end
                    } else {
                        key
                    };
                    value = Some(v.get_ref());
                    table = None;
                }
                PathSegment::Index(i) => {
                    let Some(item) = value.and_then(DeValue::as_array).and_then(|a| a.get(*i))
                    else {
                        break;
                    };
                    span = item.span();
                    value = Some(item.get_ref());
                    table = None;
                }
            }
        }
        span
    }

    /// The key path of the innermost key or value whose text contains `offset`.
    ///
    /// The whole tree is searched: tables opened by a header (`[x]`, `[[x]]`) have
    /// spans covering only the header, not their contents.
    pub fn path_at(&self, offset: usize) -> KeyPath {
        let Some(root) = &self.root else {
            return self.path_from_text(offset);
        };
        deepest_in_table(root.get_ref(), offset, &KeyPath::root()).unwrap_or_default()
    }

    /// For text that does not parse: the nearest `[table]` header above `offset`
    /// and the key written on its line, read from the raw text.
    fn path_from_text(&self, offset: usize) -> KeyPath {
        let before = &self.text[..offset.min(self.text.len())];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[line_start..]
            .find('\n')
            .map_or(self.text.len(), |i| line_start + i);
        let line = &self.text[line_start..line_end];
        let table = before[..line_start]
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with('['))
            .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
        let mut path = table.map_or_else(KeyPath::root, |t| KeyPath::from(t.as_str()));
        if let Some((key, _)) = line.split_once('=') {
            let key = key.trim();
            if !key.is_empty() && !key.starts_with('[') {
                path = path.key(key);
            }
        }
        path
    }
}

fn deepest_in_table(table: &DeTable<'_>, offset: usize, here: &KeyPath) -> Option<KeyPath> {
    table.iter().find_map(|(k, v)| {
        let path = here.key(k.get_ref());
        deepest_in_value(v, offset, &path).or_else(|| k.span().contains(&offset).then_some(path))
    })
}

fn deepest_in_value(
    value: &Spanned<DeValue<'_>>,
    offset: usize,
    here: &KeyPath,
) -> Option<KeyPath> {
    let inner = match value.get_ref() {
        DeValue::Table(t) => deepest_in_table(t, offset, here),
        DeValue::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| deepest_in_value(item, offset, &here.index(i))),
        _ => None,
    };
    inner.or_else(|| value.span().contains(&offset).then(|| here.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[simulation]\nseed = 3\n\n[[vm]]\nid = \"a\"\n\n[[vm]]\nid = \"b\"\nboot_time = { dist = \"uniform\", min = \"1m\", max = \"2m\" }\n";

    #[test]
    fn finds_keys_inside_arrays_of_tables() {
        let locator = Locator::new(TEXT);
        let path = KeyPath::root()
            .key("vm")
            .index(1)
            .key("boot_time")
            .key("max");
        assert_eq!(path.to_string(), "vm[1].boot_time.max");
        assert_eq!(locator.position(&path), (9, 45));
        assert_eq!(locator.position(&"simulation.seed".into()), (2, 1));
        // A span on a line's trailing carriage return (found by fuzzing).
        let excerpt = Excerpt::of("'\r", 1..2);
        assert_eq!((excerpt.text.as_str(), excerpt.marked), ("'", 1..1));
        let excerpt = Excerpt::of("a = \"é\"\n", 5..100);
        assert_eq!(&excerpt.text[excerpt.marked], "é\"");
        let excerpt = locator.excerpt(&"simulation.seed".into()).unwrap();
        assert_eq!(excerpt.line, 2);
        assert_eq!(&excerpt.text[excerpt.marked.clone()], "seed = 3");
    }

    #[test]
    fn missing_keys_point_at_their_parent() {
        let locator = Locator::new(TEXT);
        let path = KeyPath::root().key("vm").index(0).key("disk_size");
        assert_eq!(locator.position(&path).0, 4);
    }

    #[test]
    fn offsets_map_back_to_paths() {
        let locator = Locator::new(TEXT);
        let offset = TEXT.find("\"2m\"").unwrap();
        assert_eq!(locator.path_at(offset).to_string(), "vm[1].boot_time.max");
        let offset = TEXT.find("seed").unwrap();
        assert_eq!(locator.path_at(offset).to_string(), "simulation.seed");
    }
}
