//! Suites: `suites/<suite>/suite.toml` parsed, validated and expanded into benchmarks.

pub mod spec;

pub use spec::{BenchmarkSpec, Protocol, TMP_PLACEHOLDER};

// TEMPORARY stand-in, replaced at merge: the minimal suite loading `slogate run` calls (no matrix,
// no variants, no setup cache), with the agreed signatures.
mod standin {
    use super::{BenchmarkSpec, Protocol};
    use serde::Deserialize;
    use sha2::{Digest, Sha256};
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    pub struct Suite {
        pub name: String,
        pub description: String,
        pub file: PathBuf,
        pub dir: PathBuf,
        pub hash: String,
        pub paths: Vec<String>,
        pub setup: Vec<String>,
        pub vars: BTreeMap<String, String>,
        pub benchmarks: Vec<BenchmarkSpec>,
    }

    #[derive(Debug)]
    pub struct SetupOutcome;

    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    pub struct SuiteError(String);

    #[derive(Deserialize)]
    struct File {
        suite: Head,
        #[serde(default)]
        vars: BTreeMap<String, String>,
        #[serde(default)]
        defaults: Knobs,
        #[serde(default)]
        scenario: Vec<Scenario>,
    }
    #[derive(Deserialize)]
    struct Head {
        name: String,
        #[serde(default)]
        description: String,
        #[serde(default)]
        paths: Vec<String>,
        #[serde(default)]
        setup: Vec<String>,
    }
    #[derive(Deserialize, Default, Clone)]
    struct Knobs {
        protocol: Option<Protocol>,
        processes: Option<u32>,
        values: Option<u32>,
        warmups: Option<u32>,
        timeout: Option<String>,
        memory_limit: Option<String>,
    }
    #[derive(Deserialize)]
    struct Scenario {
        name: String,
        command: Vec<String>,
        #[serde(default)]
        env: BTreeMap<String, String>,
        #[serde(default)]
        thresholds: Vec<String>,
        #[serde(default)]
        overhead: Vec<String>,
        #[serde(flatten)]
        knobs: Knobs,
    }

    fn fill(text: &str, vars: &BTreeMap<String, String>) -> String {
        vars.iter().fold(text.to_string(), |t, (k, v)| {
            t.replace(&format!("{{{k}}}"), v)
        })
    }

    fn load(file: &Path, over: &BTreeMap<String, String>) -> Result<Suite, SuiteError> {
        let err = |m: String| SuiteError(format!("{}: {m}", file.display()));
        let text = std::fs::read_to_string(file).map_err(|e| err(e.to_string()))?;
        let f: File = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut vars = f.vars.clone();
        vars.extend(over.clone());
        let mut benchmarks = Vec::new();
        for s in f.scenario {
            let pick = |a: &Option<String>, b: &Option<String>| a.clone().or(b.clone());
            let timeout = pick(&s.knobs.timeout, &f.defaults.timeout).unwrap_or("120s".into());
            let timeout = crate::units::parse_duration(&timeout)
                .ok_or_else(|| err(format!("bad timeout `{timeout}`")))?;
            let memory_limit = match pick(&s.knobs.memory_limit, &f.defaults.memory_limit) {
                Some(m) => Some(
                    crate::units::parse_bytes(&m)
                        .ok_or_else(|| err(format!("bad memory_limit `{m}`")))?,
                ),
                None => None,
            };
            benchmarks.push(BenchmarkSpec {
                key: crate::results::benchmark_key(&f.suite.name, &s.name, &BTreeMap::new()),
                suite: f.suite.name.clone(),
                scenario: s.name.clone(),
                variant: BTreeMap::new(),
                command: s.command.iter().map(|a| fill(a, &vars)).collect(),
                env: s
                    .env
                    .iter()
                    .map(|(k, v)| (k.clone(), fill(v, &vars)))
                    .collect(),
                cwd: dir.clone(),
                protocol: s
                    .knobs
                    .protocol
                    .or(f.defaults.protocol)
                    .unwrap_or(Protocol::Pyperf),
                processes: s.knobs.processes.or(f.defaults.processes).unwrap_or(20),
                values: s.knobs.values.or(f.defaults.values).unwrap_or(3),
                warmups: s.knobs.warmups.or(f.defaults.warmups).unwrap_or(1),
                timeout,
                memory_limit,
                thresholds: s.thresholds,
                overhead: s.overhead,
                noise_threshold: None,
            });
        }
        Ok(Suite {
            name: f.suite.name,
            description: f.suite.description,
            file: file.to_path_buf(),
            dir,
            hash: format!("{:x}", Sha256::digest(text.as_bytes())),
            paths: f.suite.paths,
            setup: f.suite.setup,
            vars,
            benchmarks,
        })
    }

    pub fn load_all(
        paths: &[PathBuf],
        vars: &BTreeMap<String, String>,
    ) -> Result<Vec<Suite>, SuiteError> {
        let mut files = Vec::new();
        for p in paths {
            if p.is_dir() {
                let direct = p.join("suite.toml");
                if direct.is_file() {
                    files.push(direct);
                    continue;
                }
                let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                    .map_err(|e| SuiteError(format!("{}: {e}", p.display())))?
                    .flatten()
                    .map(|e| e.path().join("suite.toml"))
                    .filter(|f| f.is_file())
                    .collect();
                found.sort();
                files.extend(found);
            } else {
                files.push(p.clone());
            }
        }
        files.iter().map(|f| load(f, vars)).collect()
    }

    pub fn run_setup(suite: &Suite) -> Result<SetupOutcome, SuiteError> {
        for line in &suite.setup {
            let line = fill(line, &suite.vars);
            let ok = std::process::Command::new("sh")
                .args(["-c", &line])
                .current_dir(&suite.dir)
                .status()
                .map_err(|e| SuiteError(format!("setup `{line}`: {e}")))?
                .success();
            if !ok {
                return Err(SuiteError(format!("{}: setup `{line}` failed", suite.name)));
            }
        }
        Ok(SetupOutcome)
    }
}

pub use standin::{load_all, run_setup, SetupOutcome, Suite, SuiteError};
