//! Invalid scenarios: a located, specific message, exit code 2, nothing written.
//!
//! Each file in tests/fixtures/invalid states what it must produce in its
//! header: `# expect-key:`, `# expect-message:`, `# expect-line:`.

use crate::support::{drsim, repo, stderr, toml_files};

fn expectation(text: &str, tag: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("# expect-{tag}: ")))
        .map(str::to_string)
}

#[test]
fn every_invalid_fixture_is_rejected_with_its_own_located_message() {
    let files = toml_files(&repo().join("tests/fixtures/invalid"));
    assert!(files.len() >= 10, "the fixture set is there");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let file = path
            .strip_prefix(repo())
            .expect("inside repo")
            .to_str()
            .expect("utf-8")
            .to_string();
        let key = expectation(&text, "key").expect("every fixture names its key");

        let o = drsim(&["validate", &file]);
        assert_eq!(o.status.code(), Some(2), "{file}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.starts_with("error: invalid scenario"), "{file}: {err}");
        assert!(
            err.contains(&format!("`{key}`")),
            "{file}: key `{key}` not named in {err}"
        );
        if let Some(message) = expectation(&text, "message") {
            assert!(
                err.contains(&message),
                "{file}: expected `{message}` in {err}"
            );
        }
        let line = expectation(&text, "line").expect("every fixture names its line");
        assert!(
            err.contains(&format!("{file}:{line}:")) && line.parse::<usize>().is_ok(),
            "{file}: expected line {line} in {err}"
        );
        // The message is located at that line, for that key (not merely both
        // present somewhere in a list of problems).
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("{file}:{line}:")) && l.contains(&format!("`{key}`"))),
            "{file}: key `{key}` is not reported at line {line}: {err}"
        );
        // ...and that line of the file is shown with the fault underlined.
        let n: usize = line.parse().expect("a line number");
        let source_line = text.lines().nth(n - 1).expect("the line exists");
        let lines: Vec<&str> = err.lines().collect();
        let shown = lines
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("{n} | ")))
            .unwrap_or_else(|| panic!("{file}: line {n} is not shown: {err}"));
        assert!(
            lines[shown].ends_with(source_line.trim_end()),
            "{file}: shows `{}` for line {n} `{source_line}`",
            lines[shown]
        );
        assert!(
            lines.get(shown + 1).is_some_and(|l| l.contains('^')),
            "{file}: no caret under line {n}: {err}"
        );

        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let o = drsim(&["run", &file, "--out", out.to_str().expect("utf-8")]);
        assert_eq!(o.status.code(), Some(2), "{file}");
        assert!(
            !out.exists(),
            "{file}: nothing may be written for an invalid scenario"
        );
    }
}

#[test]
fn a_missing_file_is_an_input_error() {
    let o = drsim(&["validate", "scenarios/does-not-exist.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read scenario file scenarios/does-not-exist.toml"));
}

#[test]
fn bad_flags_are_usage_errors() {
    let o = drsim(&["run", "scenarios/minimal.toml", "--replications", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--replications"), "{}", stderr(&o));
}

/// Valid scenarios that ASR would not sustain: validate accepts them (exit 0)
/// and warns, naming the file, line and key, in every fixture of
/// tests/fixtures/warnings (headers as for the invalid ones).
#[test]
fn every_warning_fixture_is_accepted_with_its_own_located_warning() {
    let files = toml_files(&repo().join("tests/fixtures/warnings"));
    assert!(files.len() >= 3, "the fixture set is there");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let file = path
            .strip_prefix(repo())
            .expect("inside repo")
            .to_str()
            .expect("utf-8")
            .to_string();
        let key = expectation(&text, "key").expect("every fixture names its key");
        let line = expectation(&text, "line").expect("every fixture names its line");
        let message = expectation(&text, "message").expect("every fixture names its message");
        let o = drsim(&["validate", &file]);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
        let out = crate::support::stdout(&o);
        assert!(
            out.lines().any(|l| l.starts_with("warning: ")
                && l.contains(&format!("{file}:{line}:"))
                && l.contains(&format!("`{key}`"))
                && l.contains(&message)),
            "{file}: expected a warning at line {line} for `{key}`: {message}\n{out}"
        );
    }
}

#[test]
fn every_unknown_key_is_reported_in_one_pass() {
    // Typos of optional keys in three sections of a valid scenario: all three
    // are reported at once, in the file's order. (A typo of a required key
    // ends the pass with the key reported missing.)
    let text = std::fs::read_to_string(repo().join("scenarios/minimal.toml"))
        .expect("scenario")
        .replacen("[simulation]\n", "[simulation]\nreplicatons = 10\n", 1)
        .replacen("[[vm]]\n", "[[vm]]\nweigth = 2\n", 1)
        .replacen("[recovery]\n", "[recovery]\nestimate_eror = 2\n", 1);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("typos.toml");
    std::fs::write(&path, text).expect("write");
    let o = drsim(&["validate", path.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for key in [
        "simulation.replicatons",
        "vm[0].weigth",
        "recovery.estimate_eror",
    ] {
        assert!(
            err.contains(&format!("`{key}`: unknown key")),
            "{key} in {err}"
        );
    }
    assert!(err.contains("(3 problems)"), "{err}");
    let lines: Vec<usize> = err
        .lines()
        .filter(|l| l.contains("unknown key"))
        .filter_map(|l| l.rsplit(".toml:").next()?.split(':').next()?.parse().ok())
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{lines:?}");
}

#[test]
fn unknown_keys_past_a_hundred_and_in_nested_tables_are_all_reported() {
    // 150 unknown keys in [simulation], one in a step and one whose value
    // spans lines: each is reported, once, with the keys valid there.
    let extra: String = (0..150).map(|i| format!("extra_{i} = {i}\n")).collect();
    let text = std::fs::read_to_string(repo().join("scenarios/three-tier.toml"))
        .expect("scenario")
        .replacen("[simulation]\n", &format!("[simulation]\n{extra}"), 1)
        .replacen(
            "[recovery]\n",
            "[recovery]\nnotes = [\n  \"a\",\n  \"b\",\n]\n",
            1,
        )
        .replacen(
            "id = \"sql\"\n",
            "id = \"sql\"\npre = [{ name = \"dns\", duration = \"1m\", timeout = \"5m\" }]\n",
            1,
        );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("many.toml");
    std::fs::write(&path, text).expect("write");
    let o = drsim(&["validate", path.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("(152 problems)"), "{err}");
    assert!(
        err.contains(
            "`simulation.extra_149`: unknown key `extra_149` (valid here: replications, seed)"
        ),
        "{err}"
    );
    assert!(err.contains("`recovery.notes`: unknown key"), "{err}");
    assert!(
        err.contains(
            "`group[0].pre[0].timeout`: unknown key `timeout` (valid here: name, kind, duration,"
        ),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_utf8_or_not_a_file_is_located() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("latin1.toml");
    // "café" in Latin-1: the é is the single byte 0xE9, on line 3, column 12.
    std::fs::write(
        &file,
        b"[simulation]\nreplications = 10\nname = \"caf\xe9\"\n",
    )
    .expect("write");
    let o = drsim(&["validate", file.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("latin1.toml:3:12:") && stderr(&o).contains("not UTF-8"),
        "{}",
        stderr(&o)
    );
    let o = drsim(&["run", dir.path().to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("it is a directory"), "{}", stderr(&o));
}
