//! The shape of the code: data flows one way through the pipeline, and only
//! the edges touch files or the terminal (docs in lib.rs and the README).

use std::path::Path;

use crate::support::repo;

/// Pipeline stages in order; a module may use only itself and earlier stages.
const STAGES: [(&str, usize); 12] = [
    ("engine", 0),
    ("scenario", 1),
    ("cycle", 2),
    ("montecarlo", 3),
    ("metrics", 3),
    ("stats", 4),
    ("analysis", 5),
    ("study", 6),
    ("report", 7),
    ("cli", 8),
    ("commands", 9),
    ("main", 10),
];

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, into: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`src/cycle/plan.rs` -> `cycle`).
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(repo().join("src")).expect("under src");
    let first = relative.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

/// Code lines (not comments) of a file.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l))
}

fn stage(module: &str) -> Option<usize> {
    STAGES.iter().find(|(m, _)| *m == module).map(|&(_, s)| s)
}

#[test]
fn data_flows_one_way_through_the_pipeline() {
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    let mut checked = 0;
    for path in files {
        let module = module_of(&path);
        if module == "lib" {
            continue;
        }
        let own = stage(&module).unwrap_or_else(|| {
            panic!(
                "{}: module `{module}` has no place in STAGES",
                path.display()
            )
        });
        let text = std::fs::read_to_string(&path).expect("source");
        for (line, code) in code_lines(&text) {
            for (i, _) in code.match_indices("crate::") {
                let used: String = code[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let Some(target) = stage(&used) else { continue };
                checked += 1;
                assert!(
                    target <= own,
                    "{}:{line}: `{module}` uses `{used}`, a later stage of the pipeline",
                    path.display()
                );
            }
        }
    }
    assert!(checked > 50, "only {checked} imports were checked");
}

#[test]
fn only_the_edges_touch_files_or_the_terminal() {
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    let io = [
        "std::fs::",
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
        "stdout()",
        "stderr()",
    ];
    for path in files {
        let module = module_of(&path);
        let text = std::fs::read_to_string(&path).expect("source");
        for (line, code) in code_lines(&text) {
            // Tests beside the code may use temporary files.
            if code.contains("#[cfg(test)]") {
                break;
            }
            for pattern in io {
                if !code.contains(pattern) {
                    continue;
                }
                // The one read the core does: the scenario file's bytes.
                let reading_the_scenario =
                    path.ends_with("src/scenario.rs") && code.contains("std::fs::read(path)");
                assert!(
                    matches!(module.as_str(), "report" | "commands" | "main")
                        || reading_the_scenario,
                    "{}:{line}: `{module}` does I/O (`{pattern}`); only report, commands and main may",
                    path.display()
                );
            }
        }
    }
}
