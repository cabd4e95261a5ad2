//! callgrind (valgrind): the exact instructions of every function, self and per call. Its output
//! is a call graph, not stacks: it is unfolded into stacks from the functions nobody calls, each
//! call's inclusive cost shared among the callee's own calls in proportion.

use super::folded::Folded;
use super::{ProfileError, ProfileSource};
use crate::suite::spec::TMP_PLACEHOLDER;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const PREFIX: &str = "slogate-callgrind.";

/// Subtrees cheaper than this share of the total stop unfolding (their cost stays on the callee).
const SMALLEST_SHARE: f64 = 1e-4;
/// Deepest stack unfolded; deeper calls stay on the callee at that depth.
const MAX_DEPTH: usize = 64;

pub struct Callgrind;

impl ProfileSource for Callgrind {
    fn name(&self) -> &'static str {
        "callgrind"
    }

    fn wrap(&self, argv: &[String]) -> Vec<String> {
        let head = [
            "valgrind".to_string(),
            "--tool=callgrind".to_string(),
            "--quiet".to_string(),
            "--trace-children=yes".to_string(),
            format!("--callgrind-out-file={TMP_PLACEHOLDER}/{PREFIX}%p"),
            "--".to_string(),
        ];
        head.into_iter().chain(argv.iter().cloned()).collect()
    }

    fn slowdown(&self) -> u32 {
        100
    }

    fn exact(&self) -> bool {
        true
    }

    fn runs(&self) -> u32 {
        1
    }

    fn read(&self, tmp: &Path) -> Result<Folded, ProfileError> {
        let mut folded = Folded::default();
        let mut files = super::files_in(tmp)?;
        files.retain(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(PREFIX))
        });
        if files.is_empty() {
            return Err(ProfileError::Missing(format!(
                "callgrind wrote no {PREFIX}* file in {}",
                tmp.display()
            )));
        }
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|e| ProfileError::Read {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let graph = parse(&text)
                .map_err(|e| ProfileError::Parse(format!("{}: {e}", path.display())))?;
            folded.merge(graph.unfold());
        }
        folded.runs = 1;
        folded.unit = "instructions".to_string();
        Ok(folded)
    }
}

/// Functions' own costs and their calls' inclusive costs, of the first event (`Ir`). Functions
/// are keyed by their id in the file (`(12)`), or their name where the file gives no id: two
/// functions may share a name (callgrind calls both ends of glibc's start-up `(below main)`).
#[derive(Debug, Default, PartialEq)]
pub struct CallGraph {
    pub self_cost: BTreeMap<String, f64>,
    /// Caller to callee to the inclusive cost of its calls.
    pub calls: BTreeMap<String, BTreeMap<String, f64>>,
    /// Key to name.
    pub names: BTreeMap<String, String>,
}

/// Reads callgrind's format (`fn=`, `cfn=`, `calls=` followed by the call's cost line, with
/// compressed names: `fn=(12) name` defines 12, a later `fn=(12)` means it).
pub fn parse(text: &str) -> Result<CallGraph, String> {
    let mut graph = CallGraph::default();
    let mut positions = 1usize;
    let mut current: Option<String> = None;
    let mut callee: Option<String> = None;
    let mut call_pending = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let at = |m: String| format!("line {}: {m}", i + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(p) = line.strip_prefix("positions:") {
            positions = p.split_whitespace().count().max(1);
        } else if let Some(name) = line.strip_prefix("fn=") {
            current = Some(compressed(name, &mut graph.names).map_err(at)?);
        } else if let Some(name) = line.strip_prefix("cfn=") {
            callee = Some(compressed(name, &mut graph.names).map_err(at)?);
        } else if line.starts_with("calls=") {
            call_pending = true;
        } else if line.starts_with(|c: char| c.is_ascii_digit() || "+-*".contains(c)) {
            let cost = first_event(line, positions).map_err(at)?;
            let Some(f) = &current else {
                return Err(at("a cost line before any fn=".to_string()));
            };
            if std::mem::take(&mut call_pending) {
                let Some(g) = &callee else {
                    return Err(at("calls= without cfn=".to_string()));
                };
                *graph
                    .calls
                    .entry(f.clone())
                    .or_default()
                    .entry(g.clone())
                    .or_default() += cost;
            } else {
                *graph.self_cost.entry(f.clone()).or_default() += cost;
            }
        }
        // Other lines (ob=, fl=, fi=, fe=, cob=, cfi=, jump=, headers) name no cost of ours.
    }
    Ok(graph)
}

/// The key of a function: `(12) name` defines id 12 and is keyed `(12)`; `(12)` means it; a bare
/// name is its own key.
fn compressed(text: &str, names: &mut BTreeMap<String, String>) -> Result<String, String> {
    let text = text.trim();
    let Some(rest) = text.strip_prefix('(') else {
        names.insert(text.to_string(), text.to_string());
        return Ok(text.to_string());
    };
    let (id, name) = rest
        .split_once(')')
        .ok_or_else(|| format!("bad compressed name `{text}`"))?;
    let key = format!("({id})");
    let name = name.trim();
    if name.is_empty() {
        if !names.contains_key(&key) {
            return Err(format!("name ({id}) used before it is defined"));
        }
    } else {
        names.insert(key.clone(), name.to_string());
    }
    Ok(key)
}

/// The first event's cost on a cost line: the fields after the positions (absent: 0).
fn first_event(line: &str, positions: usize) -> Result<f64, String> {
    match line.split_whitespace().nth(positions) {
        None => Ok(0.0),
        Some(v) => v
            .parse::<u64>()
            .map(|v| v as f64)
            .map_err(|_| format!("bad cost `{v}` in `{line}`")),
    }
}

impl CallGraph {
    fn inclusive(&self, f: &str) -> f64 {
        self.self_cost.get(f).copied().unwrap_or(0.0)
            + self.calls.get(f).map_or(0.0, |c| c.values().sum())
    }

    /// Stacks from the functions nobody calls (all functions flat if every one is called).
    pub fn unfold(&self) -> Folded {
        let mut folded = Folded {
            runs: 1,
            ..Folded::default()
        };
        let called: BTreeSet<&str> = self
            .calls
            .values()
            .flat_map(|c| c.keys().map(String::as_str))
            .collect();
        let all: BTreeSet<&str> = self
            .self_cost
            .keys()
            .chain(self.calls.keys())
            .map(String::as_str)
            .collect();
        let roots: Vec<&str> = all
            .iter()
            .copied()
            .filter(|f| !called.contains(f))
            .collect();
        if roots.is_empty() {
            for (f, &cost) in &self.self_cost {
                folded.add(vec![self.name(f)], cost);
            }
            return folded;
        }
        let total: f64 = roots.iter().map(|r| self.inclusive(r)).sum();
        let smallest = total * SMALLEST_SHARE;
        for root in roots {
            let mut path = Vec::new();
            self.expand(root, self.inclusive(root), &mut path, smallest, &mut folded);
        }
        folded
    }

    fn name(&self, key: &str) -> String {
        self.names
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    /// Adds `f`'s stacks under `path` (keys), `budget` being what the calls that led here cost.
    fn expand(
        &self,
        f: &str,
        budget: f64,
        path: &mut Vec<String>,
        smallest: f64,
        out: &mut Folded,
    ) {
        let inclusive = self.inclusive(f);
        if inclusive <= 0.0 {
            return;
        }
        let scale = budget / inclusive;
        path.push(f.to_string());
        let frames = |keys: &[String]| keys.iter().map(|k| self.name(k)).collect::<Vec<_>>();
        out.add(
            frames(path),
            self.self_cost.get(f).copied().unwrap_or(0.0) * scale,
        );
        for (g, &cost) in self.calls.get(f).into_iter().flatten() {
            let share = cost * scale;
            let recursive = path.iter().any(|p| p == g);
            if recursive || share < smallest || path.len() >= MAX_DEPTH {
                let mut leaf = frames(path);
                leaf.push(self.name(g));
                out.add(leaf, share);
            } else {
                self.expand(g, share, path, smallest, out);
            }
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "\
# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 42
cmd:  ./work
positions: line
events: Ir
summary: 1200

ob=(1) /tmp/work
fl=(1) work.c
fn=(1) main
3 10
cfn=(2) slow
calls=2 10
5 800
cfn=(3) fast
calls=1 20
6 390

fn=(2)
10 800

fn=(3) fast
20 300
cfn=(2)
calls=1 10
21 90
";

    #[test]
    fn reads_costs_calls_and_compressed_names() {
        let g = parse(OUT).unwrap();
        assert_eq!(g.names["(2)"], "slow");
        assert_eq!(g.self_cost["(1)"], 10.0);
        assert_eq!(g.self_cost["(2)"], 800.0);
        assert_eq!(g.self_cost["(3)"], 300.0);
        assert_eq!(g.calls["(1)"]["(2)"], 800.0);
        assert_eq!(g.calls["(3)"]["(2)"], 90.0);
    }

    #[test]
    fn unfolds_into_stacks_that_keep_every_self_cost() {
        let folded = parse(OUT).unwrap().unfold();
        let stack = |s: &[&str]| s.iter().map(|f| f.to_string()).collect::<Vec<_>>();
        assert_eq!(folded.stacks[&stack(&["main"])], 10.0);
        assert_eq!(folded.stacks[&stack(&["main", "fast"])], 300.0);
        // `slow` costs 800 on its own but 890 through its two callers: each gets its share.
        let via_main = folded.stacks[&stack(&["main", "slow"])];
        let via_fast = folded.stacks[&stack(&["main", "fast", "slow"])];
        assert!(
            (via_main + via_fast - 890.0).abs() < 1e-6,
            "{via_main} {via_fast}"
        );
        assert!((via_fast / via_main - 90.0 / 800.0).abs() < 1e-9);
    }

    #[test]
    fn two_positions_and_recursion() {
        let text = "positions: instr line\nevents: Ir Dr\nfn=(1) f\n0x10 3 7 1\ncfn=(1)\ncalls=1 0x10 3\n+2 * 5\n";
        let g = parse(text).unwrap();
        assert_eq!(g.self_cost["(1)"], 7.0);
        assert_eq!(g.calls["(1)"]["(1)"], 5.0);
        // Every function is called: the stacks are flat.
        assert_eq!(g.unfold().total(), 7.0);
    }

    #[test]
    fn two_functions_of_one_name_are_two_nodes() {
        // glibc's start-up as callgrind names it: (below main) → __libc_start_main → (below main).
        let text = "fn=(1) (below main)\n0 1\ncfn=(2) start\ncalls=1 0\n0 12\n\
                    fn=(2)\n0 1\ncfn=(3) (below main)\ncalls=1 0\n0 11\n\
                    fn=(3)\n0 1\ncfn=(4) main\ncalls=1 0\n0 10\nfn=(4)\n0 10\n";
        let folded = parse(text).unwrap().unfold();
        let stack = ["(below main)", "start", "(below main)", "main"].map(String::from);
        assert_eq!(folded.stacks[stack.as_slice()], 10.0);
        assert_eq!(folded.total(), 13.0);
    }

    #[test]
    fn errors_name_the_line() {
        assert!(parse("fn=(3)\n")
            .unwrap_err()
            .starts_with("line 1: name (3)"));
        assert!(parse("5 10\n")
            .unwrap_err()
            .starts_with("line 1: a cost line"));
        assert!(parse("fn=f\n5 lots\n")
            .unwrap_err()
            .starts_with("line 2: bad cost"));
    }
}
