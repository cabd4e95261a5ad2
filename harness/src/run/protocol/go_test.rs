//! `go-test`: the command is `go test` of a package (`["go", "test", "."]`, run in the suite's
//! directory; a package elsewhere: `["sh", "-c", "cd DIR && exec go test . \"$@\"", "sh"]`) or
//! its compiled test binary (`go test -c`: a program named `*.test`, which takes the same flags as
//! `-test.*`); each `Benchmark...` function is a benchmark of the process.
//!
//! A process takes `values` results of each benchmark (`-count`), each one value: ns/op over the
//! b.N iterations Go chose, with `-benchmem`'s B/op and allocs/op; tests are not run (`-run ^$`).
//! Its text output, the input of benchstat, is read from its standard output. Warm-up: Go's own
//! runs that size b.N (b.N = 1, then growing to `-benchtime`) come before each value and are not
//! reported (`warmups` is not used). A `--filter` word is passed as `-bench`, else `-bench .`.

use super::framework::{push_option, Framework, Invocation};
use super::Job;
use crate::import::Format;
use std::collections::BTreeMap;
use std::path::Path;

pub struct Tool;

impl Framework for Tool {
    fn format(&self) -> Format {
        Format::GoTest
    }

    fn invocation(&self, job: &Job, out: &Path) -> Invocation {
        let mut argv = job.argv.to_vec();
        // `go test` takes `-bench`; a compiled test binary takes the same flags as `-test.bench`.
        let binary = argv.first().is_some_and(|p| p.ends_with(".test"));
        let flag = |name: &str| {
            if binary {
                format!("-test.{name}")
            } else {
                format!("-{name}")
            }
        };
        push_option(&mut argv, &flag("run"), "^$");
        push_option(&mut argv, &flag("bench"), job.name_filter.unwrap_or("."));
        push_option(&mut argv, &flag("count"), job.spec.values);
        if !super::sets_option(&argv, &[&flag("benchmem")]) {
            argv.push(flag("benchmem"));
        }
        Invocation {
            argv,
            env: BTreeMap::new(),
            stdout: Some(out.to_path_buf()),
            read: out.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_test_and_a_test_binary_get_their_own_flags() {
        let spec = crate::run::tests::spec("s/go", &["go", "test", "./m"]);
        let loops = std::cell::Cell::new(None);
        let env = BTreeMap::new();
        let go: Vec<String> = ["go", "test", "./m"].map(String::from).into();
        let job = Job {
            spec: &spec,
            argv: &go,
            env: &env,
            scratch: Path::new("/s"),
            index: 0,
            pyperf_loops: &loops,
            name_filter: Some("Fib"),
        };
        let inv = Tool.invocation(&job, Path::new("/o.txt"));
        assert_eq!(
            inv.argv[3..],
            ["-run=^$", "-bench=Fib", "-count=2", "-benchmem"]
        );
        assert_eq!(inv.stdout.as_deref(), Some(Path::new("/o.txt")));
        let bin: Vec<String> = ["./m.test", "-test.count=5"].map(String::from).into();
        let inv = Tool.invocation(&Job { argv: &bin, ..job }, Path::new("/o.txt"));
        assert_eq!(
            inv.argv[1..],
            [
                "-test.count=5",
                "-test.run=^$",
                "-test.bench=Fib",
                "-test.benchmem"
            ]
        );
    }
}
