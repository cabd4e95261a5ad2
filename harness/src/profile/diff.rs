//! The differential of two sides' profiles: per function (self and inclusive) and per stack, the
//! baseline's and the candidate's cost per profiled process, and how sure the profiles are of each
//! function's change.

use super::folded::Folded;
use crate::stats::dispersion::{mean, std_dev};
use crate::stats::summary::{difference_half_width, Summary};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// One function's cost on both sides, per profiled process.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FunctionDelta {
    pub name: String,
    /// Cost in the function itself.
    pub self_cost: [f64; 2],
    /// Cost in the function and everything it called (once per stack, recursion or not).
    pub inclusive: [f64; 2],
    /// Half-width of the 95% interval of the self change, from the spread between the profiled
    /// processes of each side; None for exact counts or a side of one process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_margin: Option<f64>,
}

impl FunctionDelta {
    pub fn self_change(&self) -> f64 {
        self.self_cost[1] - self.self_cost[0]
    }

    /// The part of the self change the profiles are sure of: the end of its 95% interval nearest
    /// zero, as a size (0 when the interval spans zero); the whole change without a margin.
    pub fn sure_change(&self) -> f64 {
        (self.self_change().abs() - self.self_margin.unwrap_or(0.0)).max(0.0)
    }
}

/// The change the profiles are surest of first; among changes none is sure of (or as sure), the
/// largest; then by name.
pub fn surest_first(a: &FunctionDelta, b: &FunctionDelta) -> Ordering {
    b.sure_change()
        .total_cmp(&a.sure_change())
        .then_with(|| b.self_change().abs().total_cmp(&a.self_change().abs()))
        .then_with(|| a.name.cmp(&b.name))
}

/// One stack's cost on both sides, per profiled process.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StackDelta {
    pub stack: Vec<String>,
    pub cost: [f64; 2],
}

#[derive(Debug, Clone, PartialEq)]
pub struct Differential {
    /// Whole profile per process, baseline and candidate.
    pub total: [f64; 2],
    /// By [`surest_first`].
    pub functions: Vec<FunctionDelta>,
    /// Largest change first.
    pub stacks: Vec<StackDelta>,
}

/// Baseline against candidate, each side given as its profiled processes (a [`Folded`] may sum
/// several: its `runs`). Costs are per process, so sides profiled as often weigh alike. `exact`:
/// the costs are exact counts, whose differences between processes are no sampling noise; their
/// changes are ordered by size, without a margin.
pub fn differential(sides: [&[Folded]; 2], exact: bool) -> Differential {
    let pooled = sides.map(|processes| {
        let mut all = Folded::default();
        for p in processes {
            all.merge(p.clone());
        }
        all
    });
    let per_run = pooled.each_ref().map(|f| 1.0 / f64::from(f.runs.max(1)));
    let mut functions: BTreeMap<&str, FunctionDelta> = BTreeMap::new();
    let mut stacks: BTreeMap<&[String], [f64; 2]> = BTreeMap::new();
    for (i, side) in pooled.iter().enumerate() {
        for (stack, &cost) in &side.stacks {
            let cost = cost * per_run[i];
            stacks.entry(stack.as_slice()).or_default()[i] += cost;
            let mut seen = BTreeSet::new();
            for frame in stack {
                let f = function(&mut functions, frame);
                if seen.insert(frame.as_str()) {
                    f.inclusive[i] += cost;
                }
            }
            if let Some(leaf) = stack.last() {
                function(&mut functions, leaf).self_cost[i] += cost;
            }
        }
    }
    if !exact {
        let processes = sides.map(process_self_costs);
        for (name, f) in &mut functions {
            let [a, b] = processes.each_ref().map(|side| {
                let costs: Vec<f64> = side
                    .iter()
                    .map(|p| p.get(name).copied().unwrap_or(0.0))
                    .collect();
                Summary {
                    n: costs.len() as f64,
                    mean: mean(&costs),
                    sd: std_dev(&costs),
                }
            });
            f.self_margin = difference_half_width(a, b);
        }
    }
    let mut functions: Vec<FunctionDelta> = functions.into_values().collect();
    functions.sort_by(surest_first);
    let mut stacks: Vec<StackDelta> = stacks
        .into_iter()
        .map(|(stack, cost)| StackDelta {
            stack: stack.to_vec(),
            cost,
        })
        .collect();
    stacks.sort_by(|a, b| {
        (b.cost[1] - b.cost[0])
            .abs()
            .total_cmp(&(a.cost[1] - a.cost[0]).abs())
            .then_with(|| a.stack.cmp(&b.stack))
    });
    Differential {
        total: [0, 1].map(|i| pooled[i].total() * per_run[i]),
        functions,
        stacks,
    }
}

/// Each profiled process's self cost per function, as its share of the process times the side's
/// mean total per process. The spread of these across processes, not of the raw costs, is the
/// noise of a function's cost: a process that met a busier machine runs longer and gathers more
/// samples in every function, a stretch common to all that the side's scaling already deals
/// with; what is left is the sampling (and the uneven load) of each function. Measured on the
/// Python fixture (60 processes a side at 250 and 1000 Hz), the raw per-process counts spread
/// 1.5-2.6 times as wide as Poisson's √count, these shares 0.9-1.4 times as wide for the three
/// functions and 4 times for start-up's: the spread says what Poisson's variance of a count
/// would understate, and holds for costs that are not counts (pprof's nanoseconds). A process
/// that recorded nothing has no shares and is left out.
fn process_self_costs(processes: &[Folded]) -> Vec<BTreeMap<&str, f64>> {
    let totals: Vec<f64> = processes
        .iter()
        .map(|p| p.total() / f64::from(p.runs.max(1)))
        .collect();
    let side_mean = mean(&totals);
    processes
        .iter()
        .filter(|p| p.total() > 0.0)
        .map(|p| {
            let mut costs = BTreeMap::new();
            for (stack, &cost) in &p.stacks {
                if let Some(leaf) = stack.last() {
                    *costs.entry(leaf.as_str()).or_default() += cost / p.total() * side_mean;
                }
            }
            costs
        })
        .collect()
}

fn function<'a, 'b>(
    functions: &'b mut BTreeMap<&'a str, FunctionDelta>,
    name: &'a str,
) -> &'b mut FunctionDelta {
    functions.entry(name).or_insert_with(|| FunctionDelta {
        name: name.to_string(),
        self_cost: [0.0; 2],
        inclusive: [0.0; 2],
        self_margin: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str, runs: u32) -> Folded {
        let mut f = Folded::parse(text, "t", |s| Some(s.to_string())).unwrap();
        f.runs = runs;
        f
    }

    #[test]
    fn the_function_that_grew_comes_first_with_self_and_inclusive_costs() {
        let base = folded("main;a 10\nmain;b 10\nmain;c 10\nmain 2", 1);
        // Two processes: per process a 10, b 13, c 10.
        let cand = folded("main;a 20\nmain;b 26\nmain;c 20\nmain 4", 2);
        let d = differential([&[base], &[cand]], false);
        assert_eq!(d.total, [32.0, 35.0]);
        let b = &d.functions[0];
        assert_eq!(b.name, "b");
        assert_eq!((b.self_cost, b.inclusive), ([10.0, 13.0], [10.0, 13.0]));
        let main = d.functions.iter().find(|f| f.name == "main").unwrap();
        assert_eq!((main.self_cost, main.inclusive), ([2.0, 2.0], [32.0, 35.0]));
        assert_eq!(d.stacks[0].stack, ["main", "b"]);
        assert_eq!(d.stacks[0].cost, [10.0, 13.0]);
    }

    #[test]
    fn recursion_counts_once_in_the_inclusive_cost() {
        let d = differential([&[folded("f;f;f 5", 1)], &[folded("f;f 5", 1)]], false);
        let f = &d.functions[0];
        assert_eq!((f.self_cost, f.inclusive), ([5.0, 5.0], [5.0, 5.0]));
    }

    #[test]
    fn a_function_on_one_side_only_has_zero_on_the_other() {
        let d = differential(
            [&[folded("main;old 4", 1)], &[folded("main;new 6", 1)]],
            false,
        );
        assert_eq!(d.functions[0].name, "new");
        assert_eq!(d.functions[0].self_cost, [0.0, 6.0]);
        assert_eq!(d.functions[1].name, "old");
        assert_eq!(d.functions[1].self_cost, [4.0, 0.0]);
    }
}
