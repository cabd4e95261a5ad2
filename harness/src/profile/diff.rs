//! The differential of two sides' profiles: per function (self and inclusive) and per stack, the
//! baseline's and the candidate's cost per profiled process.

use super::folded::Folded;
use std::collections::{BTreeMap, BTreeSet};

/// One function's cost on both sides, per profiled process.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FunctionDelta {
    pub name: String,
    /// Cost in the function itself.
    pub self_cost: [f64; 2],
    /// Cost in the function and everything it called (once per stack, recursion or not).
    pub inclusive: [f64; 2],
}

impl FunctionDelta {
    pub fn self_change(&self) -> f64 {
        self.self_cost[1] - self.self_cost[0]
    }
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
    /// Largest change of self cost first (ties: by name).
    pub functions: Vec<FunctionDelta>,
    /// Largest change first.
    pub stacks: Vec<StackDelta>,
}

/// Baseline against candidate, each side's costs divided by its profiled processes, so sides
/// profiled as often weigh alike.
pub fn differential(baseline: &Folded, candidate: &Folded) -> Differential {
    let sides = [baseline, candidate];
    let per_run = sides.map(|f| 1.0 / f64::from(f.runs.max(1)));
    let mut functions: BTreeMap<&str, FunctionDelta> = BTreeMap::new();
    let mut stacks: BTreeMap<&[String], [f64; 2]> = BTreeMap::new();
    for (i, side) in sides.iter().enumerate() {
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
    let mut functions: Vec<FunctionDelta> = functions.into_values().collect();
    functions.sort_by(|a, b| {
        b.self_change()
            .abs()
            .total_cmp(&a.self_change().abs())
            .then_with(|| a.name.cmp(&b.name))
    });
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
        total: [0, 1].map(|i| sides[i].total() * per_run[i]),
        functions,
        stacks,
    }
}

fn function<'a, 'b>(
    functions: &'b mut BTreeMap<&'a str, FunctionDelta>,
    name: &'a str,
) -> &'b mut FunctionDelta {
    functions.entry(name).or_insert_with(|| FunctionDelta {
        name: name.to_string(),
        self_cost: [0.0; 2],
        inclusive: [0.0; 2],
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
        let d = differential(&base, &cand);
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
        let d = differential(&folded("f;f;f 5", 1), &folded("f;f 5", 1));
        let f = &d.functions[0];
        assert_eq!((f.self_cost, f.inclusive), ([5.0, 5.0], [5.0, 5.0]));
    }

    #[test]
    fn a_function_on_one_side_only_has_zero_on_the_other() {
        let d = differential(&folded("main;old 4", 1), &folded("main;new 6", 1));
        assert_eq!(d.functions[0].name, "new");
        assert_eq!(d.functions[0].self_cost, [0.0, 6.0]);
        assert_eq!(d.functions[1].name, "old");
        assert_eq!(d.functions[1].self_cost, [4.0, 0.0]);
    }
}
