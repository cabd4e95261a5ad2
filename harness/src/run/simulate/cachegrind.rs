//! Cachegrind's out file (`--cachegrind-out-file`): the `events:` line names the counters and the
//! `summary:` line (`totals:` in older releases) holds the whole process's count of each.

use std::collections::BTreeMap;

/// The counters of one process that the metrics need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Instructions executed (`Ir`).
    pub instructions: u64,
    /// First-level misses: instruction reads, data reads, data writes (`I1mr + D1mr + D1mw`).
    pub l1_misses: u64,
    /// Last-level misses (`ILmr + DLmr + DLmw`).
    pub ll_misses: u64,
}

impl Counts {
    /// The cycle estimate of cachegrind's documentation and KCachegrind's "CEst" without branch
    /// simulation: `Ir + 10 * L1 misses + 100 * LL misses`.
    pub fn estimated_cycles(&self) -> u64 {
        self.instructions + 10 * self.l1_misses + 100 * self.ll_misses
    }

    pub fn add(&mut self, other: Counts) {
        self.instructions += other.instructions;
        self.l1_misses += other.l1_misses;
        self.ll_misses += other.ll_misses;
    }
}

/// Reads the totals of one out file. Errors say what is missing or malformed.
pub fn parse(text: &str) -> Result<Counts, String> {
    let mut events: Option<Vec<&str>> = None;
    let mut totals: Option<&str> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("events:") {
            events = Some(rest.split_whitespace().collect());
        } else if let Some(rest) = line
            .strip_prefix("summary:")
            .or_else(|| line.strip_prefix("totals:"))
        {
            totals = Some(rest);
        }
    }
    let events = events.ok_or("no `events:` line")?;
    let totals =
        totals.ok_or("no `summary:` line (the process did not finish under cachegrind)")?;
    let values: Vec<u64> = totals
        .split_whitespace()
        .map(|v| {
            v.parse()
                .map_err(|_| format!("`summary:` value `{v}` is not a count"))
        })
        .collect::<Result<_, _>>()?;
    if values.len() != events.len() {
        return Err(format!(
            "`summary:` has {} values for {} events",
            values.len(),
            events.len()
        ));
    }
    let by_name: BTreeMap<&str, u64> = events.into_iter().zip(values).collect();
    let get = |name: &str| by_name.get(name).copied();
    let instructions = get("Ir").ok_or("no `Ir` event")?;
    let sum = |names: &[&str]| -> Result<u64, String> {
        names.iter().try_fold(0u64, |acc, n| {
            get(n)
                .map(|v| acc + v)
                .ok_or_else(|| format!("no `{n}` event (run with --cache-sim=yes)"))
        })
    };
    Ok(Counts {
        instructions,
        l1_misses: sum(&["I1mr", "D1mr", "D1mw"])?,
        ll_misses: sum(&["ILmr", "DLmr", "DLmw"])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "desc: I1 cache: 32768 B, 64 B, 8-way associative\n\
        cmd: python3 loop.py\n\
        events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw \n\
        fl=x.c\nfn=main\n12 3 1 0 0 0 0 0 0 0\n\
        summary: 170945244 1546893 14478 48982115 1918083 41143 24038473 201333 87000\n";

    #[test]
    fn reads_the_summary_by_event_name() {
        let c = parse(OUT).unwrap();
        assert_eq!(c.instructions, 170_945_244);
        assert_eq!(c.l1_misses, 1_546_893 + 1_918_083 + 201_333);
        assert_eq!(c.ll_misses, 14_478 + 41_143 + 87_000);
        assert_eq!(
            c.estimated_cycles(),
            170_945_244 + 10 * c.l1_misses + 100 * c.ll_misses
        );
        let old = OUT.replace("summary:", "totals:");
        assert_eq!(parse(&old).unwrap(), c);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(parse("").unwrap_err().contains("events"));
        let cut = OUT.lines().take(6).collect::<Vec<_>>().join("\n");
        assert!(parse(&cut).unwrap_err().contains("summary"));
        let short = OUT.replace(" 87000", "");
        assert!(parse(&short).unwrap_err().contains("8 values for 9"));
        let bad = OUT.replace("170945244", "lots");
        assert!(parse(&bad).unwrap_err().contains("`lots`"));
        let no_sim = "events: Ir\nsummary: 10\n";
        assert!(parse(no_sim).unwrap_err().contains("--cache-sim=yes"));
    }
}
