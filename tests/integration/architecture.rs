//! The shape of the code: data flows one way through the pipeline, and only
//! the edges touch files or the terminal (docs in lib.rs and the README).

use std::path::Path;

use crate::support::repo;

/// Pipeline stages in order; a module may use only itself and earlier stages.
const STAGES: [(&str, usize); 14] = [
    ("engine", 0),
    ("scenario", 1),
    ("cycle", 2),
    ("montecarlo", 3),
    ("metrics", 3),
    ("stats", 4),
    ("analysis", 5),
    ("study", 6),
    ("report", 7),
    ("store", 8),
    ("serve", 9),
    ("cli", 9),
    ("commands", 10),
    ("main", 11),
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
                // The one read the core does: the scenario file's bytes (after
                // a look at what the path is: never a device or a FIFO).
                let reading_the_scenario = path.ends_with("src/scenario/file.rs")
                    && (code.contains("std::fs::read(path)")
                        || code.contains("std::fs::metadata(path)"));
                assert!(
                    matches!(module.as_str(), "report" | "store" | "commands" | "main")
                        || reading_the_scenario,
                    "{}:{line}: `{module}` does I/O (`{pattern}`); only report, store, commands and main may",
                    path.display()
                );
            }
        }
    }
}

/// The sibling modules a command file uses (`super::name`, or `name` in a
/// `use super::{...}` list), among `known`.
fn siblings_used(text: &str, known: &[String]) -> Vec<String> {
    let mut used = Vec::new();
    for (_, code) in code_lines(text) {
        if code.contains("#[cfg(test)]") {
            break;
        }
        let mut rest = code;
        while let Some(i) = rest.find("super::") {
            rest = &rest[i + 7..];
            let names: Vec<String> = if let Some(list) = rest.strip_prefix('{') {
                list.split('}')
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(|n| n.trim().split("::").next().unwrap_or_default().to_string())
                    .collect()
            } else {
                vec![
                    rest.chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect(),
                ]
            };
            for n in names {
                if known.contains(&n) && !used.contains(&n) {
                    used.push(n);
                }
            }
        }
    }
    used
}

#[test]
fn the_command_files_import_one_another_without_circles() {
    let dir = repo().join("src/commands");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let names: Vec<String> = files
        .iter()
        .map(|p| {
            p.file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let edges: Vec<(String, Vec<String>)> = files
        .iter()
        .zip(&names)
        .map(|(path, name)| {
            let text = std::fs::read_to_string(path).expect("source");
            (name.clone(), siblings_used(&text, &names))
        })
        .collect();
    // commands.rs dispatches to every command; none may use it back.
    for (name, used) in &edges {
        let text = std::fs::read_to_string(dir.join(format!("{name}.rs"))).expect("source");
        assert!(
            !text.contains("super::execute") && !text.contains("super::CliError"),
            "src/commands/{name}.rs uses src/commands.rs, which uses it"
        );
        assert!(!used.contains(name), "{name} uses itself?");
    }
    // No cycle among the command files: a depth-first search finds no back edge.
    fn visit(
        n: &str,
        edges: &[(String, Vec<String>)],
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) {
        if done.iter().any(|d| d == n) {
            return;
        }
        if let Some(at) = path.iter().position(|p| p == n) {
            panic!("import circle: {} -> {n}", path[at..].join(" -> "));
        }
        path.push(n.to_string());
        let next = edges
            .iter()
            .find(|(name, _)| name == n)
            .map(|(_, used)| used.clone())
            .unwrap_or_default();
        for m in next {
            visit(&m, edges, path, done);
        }
        path.pop();
        done.push(n.to_string());
    }
    let mut done = Vec::new();
    for (name, _) in &edges {
        visit(name, &edges, &mut Vec::new(), &mut done);
    }
    assert!(edges.len() >= 10, "{} command files", edges.len());
}
