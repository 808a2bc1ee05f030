//! No import cycles between modules, anywhere in the workspace.
//!
//! Reads every crate's sources, resolves each `crate::…`, `super::…`,
//! `self::…` and child-module path to the module it names, and looks for
//! cycles among the modules (a module and its own ancestors or descendants
//! are one family and may refer to each other: that is how Rust nests
//! modules). A cycle such as `model → protocol → error → model` fails with
//! the modules and the lines that close it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates' source roots, relative to the workspace.
const CRATES: &[&str] = &["app/src", "server/src", "frontend/src", "server/bench/src"];

type Module = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `ui/board/state.rs` → `[ui, board, state]`; `mod.rs`, `lib.rs` and
/// `main.rs` name their folder.
fn module_of(root: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(root).expect("under its root");
    let mut parts: Module = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and string literals (so a path in
/// a doc comment or a message is not an import).
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                    }
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(path: &str) -> Vec<String> {
    // `x as y` keeps its name as `x@y` (the `@y` is dropped when read).
    let path: String = path
        .replace(" as ", "@")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let Some(open) = path.find('{') else {
        return vec![path];
    };
    let (prefix, rest) = (&path[..open], &path[open + 1..]);
    let Some(close) = rest.rfind('}') else {
        return vec![path];
    };
    let inner = &rest[..close];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// Every path the code refers to: the items of its `use` declarations
/// (expanded) and the `crate::`/`super::` paths written inline.
fn paths_in(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut rest = code;
    let mut offset = 0;
    // `use` declarations, up to their `;`.
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let start = at + 4;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            offset += start;
            rest = &rest[start..];
            continue;
        }
        let Some(end) = rest[start..].find(';') else {
            break;
        };
        let line = code[..offset + at].matches('\n').count() + 1;
        for path in expand(&rest[start..start + end]) {
            let path = path.split('@').next().unwrap_or_default().to_string();
            found.push((line, path));
        }
        offset += start + end;
        rest = &rest[start + end..];
    }
    // Inline paths: `crate::a::b`, `super::a`.
    for key in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(key) {
            let at = from + at;
            let before = code[..at].chars().last();
            from = at + key.len();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let line = code[..at].matches('\n').count() + 1;
            found.push((line, path));
        }
    }
    found
}

/// The module a path names, seen from `here`: the longest known module
/// its segments lead to.
fn resolve(here: &Module, path: &str, known: &BTreeSet<Module>) -> Option<Module> {
    let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let (mut base, rest): (Module, &[&str]) = match segments.first()? {
        &"crate" => (Vec::new(), &segments[1..]),
        &"self" => (here.clone(), &segments[1..]),
        &"super" => {
            let mut base = here.clone();
            let mut rest = &segments[..];
            while rest.first() == Some(&"super") {
                base.pop()?;
                rest = &rest[1..];
            }
            (base, rest)
        }
        // A child module of this one (`use columns::X` in `board/mod.rs`).
        first => {
            let mut child = here.clone();
            child.push(first.to_string());
            if !known.contains(&child) {
                return None;
            }
            (here.clone(), &segments[..])
        }
    };
    let mut target = base.clone();
    for segment in rest {
        base.push(segment.to_string());
        if known.contains(&base) {
            target = base.clone();
        } else {
            break;
        }
    }
    Some(target)
}

fn related(a: &Module, b: &Module) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

#[test]
fn no_module_imports_another_that_imports_it_back() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cycles = Vec::new();
    for krate in CRATES {
        let root = workspace.join(krate);
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        if files.is_empty() {
            continue;
        }
        let known: BTreeSet<Module> = files.iter().map(|f| module_of(&root, f)).collect();
        // module → (module it refers to → where)
        let mut edges: BTreeMap<Module, BTreeMap<Module, String>> = BTreeMap::new();
        for file in &files {
            let here = module_of(&root, file);
            let text = std::fs::read_to_string(file).expect("readable source");
            for (line, path) in paths_in(&code_only(&text)) {
                let Some(target) = resolve(&here, &path, &known) else {
                    continue;
                };
                if related(&here, &target) {
                    continue;
                }
                edges
                    .entry(here.clone())
                    .or_default()
                    .entry(target)
                    .or_insert_with(|| {
                        format!(
                            "{}:{line} ({path})",
                            file.strip_prefix(&workspace).unwrap_or(file).display()
                        )
                    });
            }
        }
        // A cycle: a path back to where it started (depth-first from each module).
        for start in edges.keys() {
            let mut stack = vec![(start.clone(), vec![start.clone()])];
            let mut seen = BTreeSet::new();
            while let Some((node, trail)) = stack.pop() {
                for next in edges.get(&node).map(|e| e.keys()).into_iter().flatten() {
                    if next == start {
                        let mut shown: Vec<String> = Vec::new();
                        for pair in trail.windows(2).chain(std::iter::once(
                            &[trail[trail.len() - 1].clone(), start.clone()][..],
                        )) {
                            shown.push(format!(
                                "{} → {}: {}",
                                pair[0].join("::"),
                                pair[1].join("::"),
                                edges[&pair[0]][&pair[1]]
                            ));
                        }
                        cycles.push(format!("{krate}:\n    {}", shown.join("\n    ")));
                    } else if seen.insert(next.clone()) {
                        let mut trail = trail.clone();
                        trail.push(next.clone());
                        stack.push((next.clone(), trail));
                    }
                }
            }
        }
    }
    cycles.sort();
    cycles.dedup();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_checker_sees_a_cycle_and_expands_groups() {
    assert_eq!(
        expand("crate::ui::{a, b::{c, d as e}}"),
        vec!["crate::ui::a", "crate::ui::b::c", "crate::ui::b::d@e"]
    );
    let code = code_only("use crate::model::{A, B}; // crate::protocol::X\nlet s = \"crate::error\"; let t = crate::error::AppError::x();");
    let paths: Vec<String> = paths_in(&code).into_iter().map(|(_, p)| p).collect();
    assert!(paths.contains(&"crate::model::A".to_string()));
    assert!(paths.contains(&"crate::error::AppError::x".to_string()));
    assert!(!paths.iter().any(|p| p.contains("protocol")));
    let known: BTreeSet<Module> = [vec![], vec!["ui".into()], vec!["ui".into(), "board".into()]]
        .into_iter()
        .collect();
    let here = vec!["ui".to_string(), "board".to_string()];
    assert_eq!(
        resolve(&here, "super::board::X", &known),
        Some(vec!["ui".to_string(), "board".to_string()])
    );
    assert_eq!(
        resolve(&here, "crate::ui::Y", &known),
        Some(vec!["ui".to_string()])
    );
}
