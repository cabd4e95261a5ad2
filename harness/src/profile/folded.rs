//! The one model every profile source is read into: folded stacks (root first) with a cost each,
//! summed over the profiled processes of one side.

use std::collections::BTreeMap;

/// Cost per stack of one side: what its `runs` profiled processes spent, summed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Folded {
    /// Frames root first, to the cost of samples (or instructions, or nanoseconds) ending there.
    pub stacks: BTreeMap<Vec<String>, f64>,
    /// Profiled processes summed in.
    pub runs: u32,
    /// What the costs count (`samples`, `instructions`, `nanoseconds of cpu-time`).
    pub unit: String,
}

impl Folded {
    pub fn add(&mut self, stack: Vec<String>, cost: f64) {
        if cost > 0.0 && !stack.is_empty() {
            *self.stacks.entry(stack).or_default() += cost;
        }
    }

    /// Adds another process's profile (or several).
    pub fn merge(&mut self, other: Folded) {
        for (stack, cost) in other.stacks {
            self.add(stack, cost);
        }
        self.runs += other.runs;
        if self.unit.is_empty() {
            self.unit = other.unit;
        }
    }

    /// Multiplies every cost by `factor`.
    pub fn scale(&mut self, factor: f64) {
        for cost in self.stacks.values_mut() {
            *cost *= factor;
        }
    }

    pub fn total(&self) -> f64 {
        self.stacks.values().sum()
    }

    /// True when any frame is one of `names`.
    pub fn has_frame(&self, names: &[&str]) -> bool {
        self.stacks
            .keys()
            .any(|s| s.iter().any(|f| names.contains(&f.as_str())))
    }

    /// Reads the folded text `a;b;c 12`, one stack per line; `frame` rewrites each frame (None:
    /// the frame is dropped). `what` names the input in errors.
    pub fn parse(
        text: &str,
        what: &str,
        frame: impl Fn(&str) -> Option<String>,
    ) -> Result<Folded, String> {
        let mut folded = Folded {
            runs: 1,
            ..Folded::default()
        };
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() {
                continue;
            }
            let bad = || format!("{what}:{}: not `frame;frame;... count`: {line}", i + 1);
            let (stack, count) = line.rsplit_once(' ').ok_or_else(bad)?;
            let count: f64 = count.parse().map_err(|_| bad())?;
            folded.add(stack.split(';').filter_map(&frame).collect(), count);
        }
        Ok(folded)
    }
}

/// A source file's path as both sides can share it: from the package on (after `site-packages/`
/// or a Python's `lib/pythonX.Y/`), else the file name. Two checkouts or two virtualenvs then
/// name the same function alike.
pub fn short_path(path: &str) -> &str {
    for marker in ["site-packages/", "dist-packages/"] {
        if let Some(i) = path.rfind(marker) {
            return &path[i + marker.len()..];
        }
    }
    if let Some(i) = path.rfind("/lib/python") {
        let rest = &path[i + "/lib/python".len()..];
        if let Some(j) = rest.find('/') {
            return &rest[j + 1..];
        }
    }
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_merges_folded_lines() {
        let mut a = Folded::parse("main;f 3\nmain;g 1\n\nmain;f 2\n", "a", |f| {
            Some(f.to_string())
        })
        .unwrap();
        assert_eq!(a.total(), 6.0);
        assert_eq!(a.stacks[&vec!["main".to_string(), "f".to_string()]], 5.0);
        let b = Folded::parse("main;h 4", "b", |f| Some(f.to_string())).unwrap();
        a.merge(b);
        assert_eq!((a.runs, a.total()), (2, 10.0));
        assert!(a.has_frame(&["h"]) && !a.has_frame(&["x"]));
    }

    #[test]
    fn a_bad_line_is_named() {
        let err = Folded::parse("main;f 3\nmain;f lots\n", "out.txt", |f| {
            Some(f.to_string())
        })
        .unwrap_err();
        assert!(err.starts_with("out.txt:2: "), "{err}");
    }

    #[test]
    fn paths_shorten_to_what_both_sides_share() {
        assert_eq!(
            short_path("/x/.venv-4.16.0/lib/python3.11/site-packages/ddtrace/a.py"),
            "ddtrace/a.py"
        );
        assert_eq!(
            short_path("/usr/lib/python3.11/asyncio/base_events.py"),
            "asyncio/base_events.py"
        );
        assert_eq!(short_path("/tmp/wt/bench.py"), "bench.py");
        assert_eq!(short_path("bench.py"), "bench.py");
    }
}
