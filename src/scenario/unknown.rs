//! Unknown keys, all found in the one pass that reads the file: the reader
//! ([`serde_ignored`]) reports every key no field takes, and each becomes a
//! located diagnostic naming the keys valid at that place (with the likely
//! one, for a typo).
//!
//! The valid keys are the fields serde knows for the raw struct at that
//! place; they are read from the struct itself (its `Deserialize` names
//! them), so they cannot drift from the format.

use serde::Deserialize;
use serde::de::{self, Visitor};

use super::Diagnostic;
use super::diagnostic::unknown_key_message;
use super::locate::{KeyPath, Locator, PathSegment};
use super::raw;

/// `path` (as the reader reports it) as a key path.
pub(super) fn key_path(path: &serde_ignored::Path<'_>) -> KeyPath {
    use serde_ignored::Path;
    match path {
        Path::Root => KeyPath::root(),
        Path::Seq { parent, index } => key_path(parent).index(*index),
        Path::Map { parent, key } => key_path(parent).key(key),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => key_path(parent),
    }
}

/// The diagnostic for the unknown key at `path` in the text `locator` reads
/// from the file `source`.
pub(super) fn unknown_key(path: &KeyPath, source: &str, locator: &Locator<'_>) -> Diagnostic {
    let segments = path.segments();
    let name = match segments.last() {
        Some(PathSegment::Key(k)) => k.as_str(),
        _ => "",
    };
    let parent = &segments[..segments.len().saturating_sub(1)];
    let (line, column) = locator.position(path);
    Diagnostic {
        file: source.to_string(),
        line,
        column,
        key: path.to_string(),
        message: unknown_key_message(name, valid_keys(parent)),
        excerpt: locator.excerpt_of_width(path, name.len()),
    }
}

/// The keys a table at `parent` takes (the fields of its raw struct).
fn valid_keys(parent: &[PathSegment]) -> &'static [&'static str] {
    use PathSegment::{Index, Key};
    let key = |i: usize| match parent.get(i) {
        Some(Key(k)) => k.as_str(),
        _ => "",
    };
    match (parent.len(), key(0)) {
        (0, _) => fields_of::<raw::RawScenario>(),
        (1, "scenario") => fields_of::<raw::RawMeta>(),
        (1, "simulation") => fields_of::<raw::RawSimulation>(),
        (1, "replication") => fields_of::<raw::RawReplication>(),
        (1, "recovery") => fields_of::<raw::RawRecovery>(),
        (1, "reprotect") => fields_of::<raw::RawReprotect>(),
        (1, "failback") => fields_of::<raw::RawFailback>(),
        (1, "targets") => fields_of::<raw::RawTargets>(),
        (1, "cost") => fields_of::<raw::RawCost>(),
        (2, "site") => fields_of::<raw::RawSite>(),
        (2, "link") => fields_of::<raw::RawLink>(),
        (2, "group") => fields_of::<raw::RawGroup>(),
        (2, "vm") => fields_of::<raw::RawVm>(),
        (2, "outage") => fields_of::<raw::RawOutage>(),
        (4, "group") if matches!(parent.get(3), Some(Index(_))) => fields_of::<raw::RawStep>(),
        _ => &[],
    }
}

/// The field names `T`'s derived `Deserialize` asks for.
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut fields));
    fields
}

/// A deserializer that only records the fields a struct asks for, then stops.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

#[derive(Debug)]
struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field names read")
    }
}

impl std::error::Error for Stopped {}

impl de::Error for Stopped {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stopped
    }
}

impl<'de> de::Deserializer<'de> for FieldNames<'_> {
    type Error = Stopped;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stopped> {
        Err(Stopped)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Stopped> {
        *self.0 = fields;
        Err(Stopped)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_raw_table_names_its_fields() {
        assert!(fields_of::<raw::RawVm>().contains(&"disk_size"));
        assert!(fields_of::<raw::RawScenario>().contains(&"recovery"));
        let step = [
            PathSegment::Key("group".into()),
            PathSegment::Index(0),
            PathSegment::Key("pre".into()),
            PathSegment::Index(1),
        ];
        assert!(valid_keys(&step).contains(&"retry_delay"));
    }
}
