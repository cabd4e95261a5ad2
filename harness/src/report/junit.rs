//! JUnit XML for CI test tabs: one `<testsuite>` per suite, one `<testcase>` per benchmark and
//! check (its run, each SLO line, each overhead line, each metric against the baseline).

use super::{
    by_suite, change_text, display_name, reason_text, slo_text, status_text, RenderOptions,
    Renderer, ASCII,
};
use crate::compare::{
    BenchmarkComparison, Cause, ChangeVerdict, Comparison, Presence, SloCheck, SloVerdict,
};
use crate::escape::xml_text as x;
use crate::results::Status;
use std::fmt::Write;

pub struct JunitRenderer;

/// What became of one test case.
enum Outcome {
    Passed,
    /// `detail` is the full text (a stderr tail) when the message is only its first line.
    Failed {
        kind: &'static str,
        message: String,
        detail: Option<String>,
    },
    Skipped(String),
}

struct Case {
    name: String,
    outcome: Outcome,
}

impl Renderer for JunitRenderer {
    fn render(&self, c: &Comparison, _opts: &RenderOptions) -> String {
        let suites: Vec<(&str, Vec<Case>)> = by_suite(&c.benchmarks)
            .into_iter()
            .map(|(suite, bs)| (suite, bs.iter().flat_map(|b| cases(c, b)).collect()))
            .collect();
        let count = |cases: &[Case], f: fn(&Outcome) -> bool| {
            cases.iter().filter(|c| f(&c.outcome)).count()
        };
        let failed = |o: &Outcome| matches!(o, Outcome::Failed { .. });
        let skipped = |o: &Outcome| matches!(o, Outcome::Skipped(_));
        let all: Vec<&Case> = suites.iter().flat_map(|(_, cs)| cs).collect();
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            s,
            "<testsuites name=\"slogate\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
            all.len(),
            all.iter().filter(|c| failed(&c.outcome)).count(),
            all.iter().filter(|c| skipped(&c.outcome)).count(),
        );
        for (suite, cases) in &suites {
            let _ = writeln!(
                s,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
                x(suite),
                cases.len(),
                count(cases, failed),
                count(cases, skipped),
            );
            for case in cases {
                let open = format!(
                    "    <testcase classname=\"{}\" name=\"{}\"",
                    x(&format!("slogate.{suite}")),
                    x(&case.name)
                );
                match &case.outcome {
                    Outcome::Passed => {
                        let _ = writeln!(s, "{open}/>");
                    }
                    Outcome::Failed {
                        kind,
                        message,
                        detail,
                    } => {
                        let _ = write!(
                            s,
                            "{open}>\n      <failure type=\"{kind}\" message=\"{}\"",
                            x(message)
                        );
                        match detail {
                            Some(d) => {
                                let _ = write!(s, ">{}</failure>", x(d));
                            }
                            None => s.push_str("/>"),
                        }
                        s.push_str("\n    </testcase>\n");
                    }
                    Outcome::Skipped(message) => {
                        let _ = writeln!(
                            s,
                            "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                            x(message)
                        );
                    }
                }
            }
            s.push_str("  </testsuite>\n");
        }
        s.push_str("</testsuites>\n");
        s
    }
}

/// The cases of one benchmark: its run, its SLO and overhead lines, each metric vs baseline.
fn cases(c: &Comparison, b: &BenchmarkComparison) -> Vec<Case> {
    let name = display_name(b);
    let mut out = Vec::new();
    let run_ok = b.presence != Presence::Missing && b.candidate_status == Some(Status::Ok);
    let gated = |causes: &[Cause]| {
        b.findings
            .iter()
            .any(|f| f.fails && causes.contains(&f.cause))
    };
    let not_gated = |text: String| {
        Outcome::Skipped(format!(
            "{text} (not gated by --fail-on {})",
            c.gate.fail_on
        ))
    };
    out.push(Case {
        name: format!("{name}: run"),
        outcome: if run_ok {
            Outcome::Passed
        } else if !gated(&[Cause::Crashed, Cause::Missing, Cause::Skipped]) {
            let reason = reason_text(b);
            not_gated(format!(
                "{}: {}",
                status_text(b),
                reason.lines().next().unwrap_or_default()
            ))
        } else {
            let reason = reason_text(b);
            let (first, rest) = reason.split_once('\n').unwrap_or((reason, ""));
            Outcome::Failed {
                kind: match (b.presence, b.candidate_status) {
                    (Presence::Missing, _) => "missing",
                    (_, Some(Status::Skipped)) => "skipped",
                    _ => "failed",
                },
                message: format!("{}: {first}", status_text(b)),
                detail: (!rest.trim().is_empty()).then(|| reason.to_string()),
            }
        },
    });
    for check in &b.slos {
        out.push(slo_case(c, b, &name, check, "SLO"));
    }
    for check in &b.overhead {
        out.push(slo_case(c, b, &name, check, "overhead limit"));
    }
    for m in &b.metrics {
        let text = change_text(m, b.presence, &ASCII);
        let outcome = match (m.change.map(|ch| ch.verdict), b.presence) {
            (Some(ChangeVerdict::Regression), _)
                if b.accepted.iter().any(|a| a.metric == m.metric) =>
            {
                Outcome::Passed
            }
            (Some(ChangeVerdict::Regression), _)
                if gated(&[Cause::Regression, Cause::Unaccepted]) =>
            {
                fail("regression", text)
            }
            (Some(ChangeVerdict::Regression), _) => not_gated(text),
            (Some(ChangeVerdict::Unstable), _) => {
                Outcome::Skipped(format!("{text}: undecided, the interval is too wide"))
            }
            (Some(_), _) => Outcome::Passed,
            (None, Presence::New) => Outcome::Skipped("new benchmark: no baseline".to_string()),
            (None, _)
                if m.candidate.is_none()
                    && gated(&[Cause::Crashed, Cause::Missing, Cause::Skipped]) =>
            {
                fail("no_data", "no candidate data".to_string())
            }
            (None, _) if m.candidate.is_none() => not_gated("no candidate data".to_string()),
            (None, _) => Outcome::Skipped("no baseline data".to_string()),
        };
        out.push(Case {
            name: format!("{name}: {} vs baseline", m.metric),
            outcome,
        });
    }
    out
}

fn fail(kind: &'static str, message: impl Into<String>) -> Outcome {
    Outcome::Failed {
        kind,
        message: message.into(),
        detail: None,
    }
}

fn slo_case(
    c: &Comparison,
    b: &BenchmarkComparison,
    name: &str,
    check: &SloCheck,
    kind: &str,
) -> Case {
    let text = slo_text(check, &ASCII, kind);
    let outcome = match check.verdict {
        SloVerdict::Comfortable | SloVerdict::Pass | SloVerdict::Near => Outcome::Passed,
        SloVerdict::Breach | SloVerdict::NoData | SloVerdict::Uncertain => {
            let (cause, kind) = match check.verdict {
                SloVerdict::Breach => (Cause::Breach, "breach"),
                SloVerdict::NoData => (Cause::NoData, "no_data"),
                _ => (Cause::Uncertain, "uncertain"),
            };
            if b.findings.iter().any(|f| f.fails && f.cause == cause) {
                fail(kind, text)
            } else {
                Outcome::Skipped(format!(
                    "{text} (not gated by --fail-on {})",
                    c.gate.fail_on
                ))
            }
        }
    };
    Case {
        name: format!("{name}: {}", check.line),
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    #[test]
    fn snapshot_of_the_fixed_comparison() {
        insta::assert_snapshot!(JunitRenderer.render(&fixture::fixed(), &RenderOptions::default()));
    }

    /// Parses the XML with Python's ElementTree and prints per-suite counts checked against the
    /// case elements actually present.
    #[test]
    fn parses_as_xml_and_counts_add_up() {
        let xml = JunitRenderer.render(&fixture::fixed(), &RenderOptions::default());
        let script = r#"
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
assert root.tag == "testsuites"
total = fails = skips = 0
for suite in root.findall("testsuite"):
    cases = suite.findall("testcase")
    f = sum(1 for c in cases if c.find("failure") is not None)
    s = sum(1 for c in cases if c.find("skipped") is not None)
    assert int(suite.get("tests")) == len(cases), suite.get("name")
    assert int(suite.get("failures")) == f, suite.get("name")
    assert int(suite.get("skipped")) == s, suite.get("name")
    total += len(cases); fails += f; skips += s
assert (int(root.get("tests")), int(root.get("failures")), int(root.get("skipped"))) == (total, fails, skips)
print(len(root.findall("testsuite")), total, fails, skips)
print(root.findall("testsuite")[-1].get("name"))
"#;
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(xml.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let mut lines = stdout.lines();
        let counts: Vec<usize> = lines
            .next()
            .unwrap()
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        // 5 suites; failures: 5 runs that did not finish and their 10 metrics without data, a
        // breach, an uncertain, a no-data SLO; regressions do not fail under the default gate.
        assert_eq!(counts[0], 5);
        assert_eq!(counts[2], 18, "{counts:?}");
        assert!(
            counts[3] >= 4,
            "undecided, new and ungated regressions are skipped: {counts:?}"
        );
        assert_eq!(lines.next(), Some("telemetryaddmetric"));
        assert!(!xml.contains("<img"), "names are escaped");
    }
}
