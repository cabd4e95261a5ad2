//! From the file as written ([`raw`](super::raw)) to a [`Suite`]: validation, settings laid over
//! defaults, matrix expansion, placeholders filled.

use super::configs::{self, shell_join, Config};
use super::placeholder::fill;
use super::raw::{EnvEntry, RawFile, RawScenario, RawSettings, Source};
use super::spec::{BenchmarkSpec, MemoryLimit, Protocol, TMP_PLACEHOLDER};
use super::{did_you_mean, is_valid_name, Suite, SuiteError};
use crate::results::benchmark_key;
use crate::slo::threshold::{parse_overhead, parse_threshold};
use crate::units::{parse_bytes, parse_duration};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// Measurement settings of a benchmark once defaults are applied.
#[derive(Debug, Clone, Copy)]
struct Settings {
    protocol: Protocol,
    processes: u32,
    values: u32,
    /// `values = "auto"`: `ab` chooses pyperf's values per process from the noise.
    values_auto: bool,
    warmups: u32,
    timeout: Duration,
    memory_limit: MemoryLimit,
    noise_threshold: Option<f64>,
    simulate: bool,
}

/// What a suite gets when it sets nothing: enough processes for a bootstrap over processes, a
/// timeout that catches a hung workload without cutting a slow one short, and (see
/// the runner's default memory cap, which stops a runaway workload before it takes the machine
/// down.
const BUILT_IN: Settings = Settings {
    protocol: Protocol::Process,
    processes: 10,
    values: 3,
    values_auto: false,
    warmups: 1,
    timeout: Duration::from_secs(60),
    memory_limit: MemoryLimit::MachineDefault,
    noise_threshold: None,
    simulate: false,
};

/// `values`: a number, or `"auto"` (the number below it to start from, then `ab`'s choice).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Values {
    Count(u32),
    Auto,
}

/// Settings as one table gives them; `None` leaves the value to the layer below.
#[derive(Debug, Default)]
struct Partial {
    protocol: Option<Protocol>,
    processes: Option<u32>,
    values: Option<Values>,
    warmups: Option<u32>,
    timeout: Option<Duration>,
    memory_limit: Option<MemoryLimit>,
    noise_threshold: Option<f64>,
    simulate: Option<bool>,
}

impl Partial {
    fn over(self, base: Settings) -> Settings {
        Settings {
            protocol: self.protocol.unwrap_or(base.protocol),
            processes: self.processes.unwrap_or(base.processes),
            values: match self.values {
                Some(Values::Count(n)) => n,
                Some(Values::Auto) | None => base.values,
            },
            values_auto: match self.values {
                Some(v) => v == Values::Auto,
                None => base.values_auto,
            },
            warmups: self.warmups.unwrap_or(base.warmups),
            timeout: self.timeout.unwrap_or(base.timeout),
            memory_limit: self.memory_limit.unwrap_or(base.memory_limit),
            noise_threshold: self.noise_threshold.or(base.noise_threshold),
            simulate: self.simulate.unwrap_or(base.simulate),
        }
    }
}

pub(super) fn resolve(
    src: &Source,
    dir: &Path,
    hash: String,
    overrides: &BTreeMap<String, String>,
) -> Result<Suite, SuiteError> {
    let raw: RawFile = toml::from_str(src.text).map_err(|e| src.toml_error(&e))?;
    let suite_dir = dir.to_string_lossy().into_owned();

    let name = raw.suite.name.get_ref().clone();
    check_name(src, &raw.suite.name, "suite name")?;
    let mut vars = BTreeMap::new();
    for (var, value) in &raw.vars {
        check_name(src, var, "variable name")?;
        vars.insert(var.get_ref().clone(), value.clone());
    }
    vars.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));

    let mut paths = Vec::new();
    for glob in &raw.suite.paths {
        globset::Glob::new(glob.get_ref()).map_err(|e| {
            src.error(
                glob.span(),
                format!("bad glob `{}` in paths: {e}", glob.get_ref()),
            )
        })?;
        paths.push(glob.get_ref().clone());
    }

    let mut setup = Vec::new();
    for command in &raw.suite.setup {
        let filled = fill(command.get_ref(), |n| match n {
            "suite_dir" => Some(suite_dir.as_str()),
            _ => vars.get(n).map(String::as_str),
        })
        .map_err(|unknown| {
            let known = vars.keys().map(String::as_str).chain(["suite_dir"]);
            let message = if format!("{{{unknown}}}") == TMP_PLACEHOLDER {
                format!("setup: `{TMP_PLACEHOLDER}` exists only in scenario commands and env")
            } else {
                unknown_placeholder("setup", &unknown, known)
            };
            src.error(command.span(), message)
        })?;
        setup.push(filled);
    }

    let defaults = partial(src, raw.defaults)?.over(BUILT_IN);
    if raw.scenarios.is_empty() {
        return Err(src.error(raw.suite.name.span(), "the suite has no [[scenario]]"));
    }
    let ctx = Context {
        src,
        suite: &name,
        suite_dir: &suite_dir,
        dir,
        vars: &vars,
        declared_vars: &raw.vars,
        defaults,
        profile: raw.suite.profile,
        outside: Default::default(),
    };
    let mut benchmarks = Vec::new();
    let mut scenario_names: Vec<&str> = Vec::new();
    for scenario in &raw.scenarios {
        let scenario_name = scenario.get_ref().name.get_ref().as_str();
        if scenario_names.contains(&scenario_name) {
            return Err(src.error(
                scenario.get_ref().name.span(),
                format!("scenario name `{scenario_name}` is used twice"),
            ));
        }
        scenario_names.push(scenario_name);
    }
    let mut scenario_descriptions = BTreeMap::new();
    let mut scenario_sources = BTreeMap::new();
    for scenario in raw.scenarios {
        let span = scenario.span();
        let s = scenario.get_ref();
        let (description, name_span) = (s.description.clone(), s.name.span());
        let scenario_name = s.name.get_ref().clone();
        for spec in ctx.scenario(scenario.into_inner(), span)? {
            // `<scenario>-<config>` of one scenario may be the name of another.
            if benchmarks.iter().any(|b: &BenchmarkSpec| b.key == spec.key) {
                return Err(src.error(
                    name_span,
                    format!(
                        "benchmark `{}` is named twice: by scenario `{}` and by an earlier scenario",
                        spec.key, spec.scenario
                    ),
                ));
            }
            if !description.is_empty() {
                scenario_descriptions.insert(spec.scenario.clone(), description.clone());
            }
            if spec.scenario != scenario_name {
                scenario_sources.insert(spec.scenario.clone(), scenario_name.clone());
            }
            benchmarks.push(spec);
        }
    }
    let hash = super::hash_with(hash, &ctx.outside.into_inner());
    Ok(Suite {
        name,
        description: raw.suite.description,
        file: src.file.to_path_buf(),
        dir: dir.to_path_buf(),
        hash,
        paths,
        setup,
        vars,
        benchmarks,
        scenario_descriptions,
        scenario_sources,
        noise: raw.suite.noise.map(|n| read_noise(src, &n)).transpose()?,
    })
}

/// The content of the suite's noise file, read now: results record it, so that a comparison of
/// them never opens a path (a checkout that is gone, a file of an untrusted artifact).
fn read_noise(src: &Source, name: &Spanned<String>) -> Result<String, SuiteError> {
    let path = src.file.with_file_name(name.get_ref());
    let text = std::fs::read_to_string(&path).map_err(|e| {
        src.error(
            name.span(),
            format!("cannot read the noise file {}: {e}", path.display()),
        )
    })?;
    toml::from_str::<toml::Table>(&text).map_err(|e| {
        let line = e
            .span()
            .map_or(1, |s| crate::slo::file::line_col(&text, s.start).0);
        src.error(
            name.span(),
            format!("the noise file {}:{line}: {}", path.display(), e.message()),
        )
    })?;
    Ok(text)
}

/// What every scenario of a suite shares.
struct Context<'a> {
    src: &'a Source<'a>,
    suite: &'a str,
    suite_dir: &'a str,
    dir: &'a Path,
    vars: &'a BTreeMap<String, String>,
    declared_vars: &'a BTreeMap<Spanned<String>, String>,
    defaults: Settings,
    profile: Option<super::spec::Profiler>,
    /// Configs files outside the suite's directory, which its hash does not cover, with their
    /// content: folded into the hash once the suite is read.
    outside: std::cell::RefCell<Vec<(PathBuf, String)>>,
}

/// A scenario's matrix: dimensions in name order, values in the order written.
type Matrix = Vec<(String, Vec<String>)>;

impl Context<'_> {
    fn scenario(
        &self,
        mut raw: RawScenario,
        span: std::ops::Range<usize>,
    ) -> Result<Vec<BenchmarkSpec>, SuiteError> {
        let src = self.src;
        let name = raw.name.get_ref().clone();
        check_name(src, &raw.name, "scenario name")?;
        let settings = partial(src, raw.settings())?.over(self.defaults);

        let command = match &raw.command {
            None => {
                return Err(src.error(span, format!("scenario `{name}` has no `command`")));
            }
            Some(c) if c.get_ref().is_empty() || c.get_ref()[0].get_ref().trim().is_empty() => {
                return Err(src.error(
                    c.span(),
                    format!("scenario `{name}`: `command` needs a program to run"),
                ));
            }
            Some(c) => c.get_ref(),
        };

        let matrix = self.matrix(&name, &raw.matrix)?;
        let env = ScenarioEnv::parse(src, &name, &raw.env, &matrix)?;
        let (configs_file, configs) = match &raw.configs {
            Some(file) => self.configs(&name, file, &matrix)?,
            None => (PathBuf::new(), Vec::new()),
        };
        // No configs file: one pass without a configuration.
        let slots: Vec<Option<&Config>> = if configs.is_empty() {
            vec![None]
        } else {
            configs.iter().map(Some).collect()
        };

        let mut thresholds = Vec::new();
        for line in &raw.thresholds {
            let t = parse_threshold(line.get_ref()).map_err(|e| {
                src.error_in_string(
                    line,
                    e.column,
                    format!(
                        "scenario `{name}`: bad threshold `{}`: {}",
                        line.get_ref(),
                        e.message
                    ),
                )
            })?;
            thresholds.push(t.line);
        }
        let mut overhead = Vec::new();
        for line in &raw.overhead {
            let bad = |column, message: String| {
                src.error_in_string(
                    line,
                    column,
                    format!(
                        "scenario `{name}`: bad overhead `{}`: {message}",
                        line.get_ref()
                    ),
                )
            };
            let o = parse_overhead(line.get_ref()).map_err(|e| bad(e.column, e.message))?;
            for (dim, value) in o.left.iter().chain(&o.right) {
                check_selector(&matrix, dim, value).map_err(|m| bad(1, m))?;
            }
            overhead.push(o.line);
        }

        // Whether the command or env reads the configuration: without it, every configuration
        // would run the same command under another name.
        let reads_config = std::cell::Cell::new(false);
        let mut out = Vec::new();
        for (config, variant) in slots
            .iter()
            .flat_map(|c| expand(&matrix).into_iter().map(move |v| (*c, v)))
        {
            let benchmark = config.map_or_else(|| name.clone(), |c| format!("{name}-{}", c.name));
            let words = config.map(Config::words).unwrap_or_default();
            let args_line = shell_join(&words);
            let lookup = |n: &str| -> Option<&str> {
                match (n, config) {
                    ("suite_dir", _) => Some(self.suite_dir),
                    ("tmp", _) => Some(TMP_PLACEHOLDER),
                    ("config", Some(c)) => {
                        reads_config.set(true);
                        Some(c.name.as_str())
                    }
                    ("config_args", Some(_)) => {
                        reads_config.set(true);
                        Some(args_line.as_str())
                    }
                    (_, Some(c)) if n.starts_with("config.") => {
                        reads_config.set(true);
                        n.strip_prefix("config.").and_then(|k| c.text(k).ok())
                    }
                    _ => variant
                        .get(n)
                        .or_else(|| self.vars.get(n))
                        .map(String::as_str),
                }
            };
            let unknown = |place: &str, unknown: &str| -> String {
                let key = unknown.strip_prefix("config.");
                let about_config = matches!(unknown, "config" | "config_args") || key.is_some();
                match (config, key) {
                    (Some(c), Some(key)) => {
                        let why = c.text(key).err().unwrap_or_default();
                        format!(
                            "{place}: `{{{unknown}}}`: {why} ({}:{})",
                            configs_file.display(),
                            c.line
                        )
                    }
                    (None, _) if about_config => format!(
                        "{place}: `{{{unknown}}}` needs `configs = \"FILE\"` on the scenario"
                    ),
                    _ => {
                        let config_names = ["config", "config_args"]
                            .into_iter()
                            .filter(|_| config.is_some());
                        let known = matrix
                            .iter()
                            .map(|(d, _)| d.as_str())
                            .chain(self.vars.keys().map(String::as_str))
                            .chain(["suite_dir", "tmp"])
                            .chain(config_names);
                        unknown_placeholder(place, unknown, known)
                    }
                }
            };
            let mut argv = Vec::new();
            for arg in command {
                // A whole `{config_args}` element gives one element per word.
                if config.is_some() && arg.get_ref() == "{config_args}" {
                    reads_config.set(true);
                    argv.extend(words.iter().cloned());
                    continue;
                }
                argv.push(fill(arg.get_ref(), lookup).map_err(|u| {
                    src.error(
                        arg.span(),
                        unknown(&format!("scenario `{name}`: command"), &u),
                    )
                })?);
            }
            let mut vars_env = BTreeMap::new();
            for (var, (value, value_span)) in env.for_variant(&variant) {
                let filled = fill(value, lookup).map_err(|u| {
                    let place = format!("scenario `{name}`: env `{var}`");
                    src.error(value_span.clone(), unknown(&place, &u))
                })?;
                vars_env.insert(var.to_string(), filled);
            }
            out.push(BenchmarkSpec {
                key: benchmark_key(self.suite, &benchmark, &variant),
                suite: self.suite.to_string(),
                scenario: benchmark,
                variant,
                command: argv,
                env: vars_env,
                cwd: self.dir.to_path_buf(),
                protocol: settings.protocol,
                processes: settings.processes,
                values: settings.values,
                values_auto: settings.values_auto,
                warmups: settings.warmups,
                timeout: settings.timeout,
                memory_limit: settings.memory_limit,
                thresholds: thresholds.clone(),
                overhead: overhead.clone(),
                noise_threshold: settings.noise_threshold,
                profile: self.profile,
                simulate: settings.simulate,
                filter: None,
            });
        }
        if let (Some(file), false) = (&raw.configs, configs.is_empty() || reads_config.get()) {
            return Err(src.error(
                file.span(),
                format!(
                    "scenario `{name}`: `configs` makes {} benchmarks of one command: use \
                     `{{config}}`, `{{config_args}}` or `{{config.KEY}}` in its command or env",
                    configs.len()
                ),
            ));
        }
        Ok(out)
    }

    /// The configurations of a scenario's `configs` file, and the file as the user reaches it.
    fn configs(
        &self,
        scenario: &str,
        file: &Spanned<String>,
        matrix: &Matrix,
    ) -> Result<(PathBuf, Vec<Config>), SuiteError> {
        let src = self.src;
        let rel = file.get_ref();
        if rel.trim().is_empty() {
            return Err(src.error(
                file.span(),
                format!("scenario `{scenario}`: `configs` needs a file name"),
            ));
        }
        let shown = src.file.parent().unwrap_or(Path::new("")).join(rel);
        let text = std::fs::read_to_string(self.dir.join(rel)).map_err(|e| {
            src.error(
                file.span(),
                format!(
                    "scenario `{scenario}`: cannot read configs file `{}`: {e}",
                    shown.display()
                ),
            )
        })?;
        let taken = |n: &str| matches!(n, "config" | "config_args") || n.starts_with("config.");
        let shadowed = matrix
            .iter()
            .map(|(d, _)| d.as_str())
            .chain(self.declared_vars.keys().map(|v| v.get_ref().as_str()))
            .find(|n| taken(n));
        if let Some(n) = shadowed {
            return Err(src.error(
                file.span(),
                format!("scenario `{scenario}`: a matrix dimension or variable is named `{n}`, a placeholder of its configurations"),
            ));
        }
        let configs = configs::parse(&shown, &text)?;
        let real = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        if !real(&self.dir.join(rel)).starts_with(real(self.dir)) {
            self.outside.borrow_mut().push((shown.clone(), text));
        }
        Ok((shown, configs))
    }

    fn matrix(
        &self,
        scenario: &str,
        raw: &BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
    ) -> Result<Matrix, SuiteError> {
        let src = self.src;
        let mut matrix = Vec::new();
        for (dim, values) in raw {
            check_name(src, dim, "matrix dimension")?;
            let d = dim.get_ref().as_str();
            let shadows = matches!(d, "suite_dir" | "tmp")
                || self.declared_vars.keys().any(|v| v.get_ref() == d);
            if shadows {
                return Err(src.error(
                    dim.span(),
                    format!("scenario `{scenario}`: matrix dimension `{d}` has the name of a variable or placeholder"),
                ));
            }
            if values.get_ref().is_empty() {
                return Err(src.error(
                    values.span(),
                    format!("scenario `{scenario}`: matrix dimension `{d}` has no values"),
                ));
            }
            let mut list: Vec<String> = Vec::new();
            for value in values.get_ref() {
                let v = value.get_ref();
                let bad = v.is_empty()
                    || v.chars()
                        .any(|c| c.is_whitespace() || c.is_control() || ",=[]{}/".contains(c));
                if bad {
                    return Err(src.error(
                        value.span(),
                        format!("scenario `{scenario}`: matrix value `{v}` must be non-empty, without spaces or any of , = [ ] {{ }} /"),
                    ));
                }
                if list.contains(v) {
                    return Err(src.error(
                        value.span(),
                        format!(
                            "scenario `{scenario}`: matrix value `{v}` of `{d}` is listed twice"
                        ),
                    ));
                }
                list.push(v.clone());
            }
            matrix.push((d.to_string(), list));
        }
        Ok(matrix)
    }
}

/// The variants of a matrix: the cartesian product, first dimension slowest. No dimensions: one
/// variant with no values.
fn expand(matrix: &Matrix) -> Vec<BTreeMap<String, String>> {
    let mut variants = vec![BTreeMap::new()];
    for (dim, values) in matrix {
        variants = variants
            .iter()
            .flat_map(|v| {
                values.iter().map(move |value| {
                    let mut next = v.clone();
                    next.insert(dim.clone(), value.clone());
                    next
                })
            })
            .collect();
    }
    variants
}

fn check_selector(matrix: &Matrix, dim: &str, value: &str) -> Result<(), String> {
    let Some((_, values)) = matrix.iter().find(|(d, _)| d == dim) else {
        let dims: Vec<&str> = matrix.iter().map(|(d, _)| d.as_str()).collect();
        return Err(match did_you_mean(dim, dims.iter().copied()) {
            Some(close) => format!("no matrix dimension `{dim}`; did you mean `{close}`?"),
            None if dims.is_empty() => {
                format!("no matrix dimension `{dim}`: the scenario has no matrix")
            }
            None => format!(
                "no matrix dimension `{dim}` (dimensions: {})",
                dims.join(", ")
            ),
        });
    };
    if values.iter().any(|v| v == value) {
        return Ok(());
    }
    Err(
        match did_you_mean(value, values.iter().map(String::as_str)) {
            Some(close) => format!("`{dim}` has no value `{value}`; did you mean `{close}`?"),
            None => format!(
                "`{dim}` has no value `{value}` (values: {})",
                values.join(", ")
            ),
        },
    )
}

/// A variable's value and where it was set.
type EnvValue<'a> = (&'a str, std::ops::Range<usize>);

/// Environment of a scenario: variables for every variant, and variables per matrix value.
struct ScenarioEnv<'a> {
    common: BTreeMap<&'a str, EnvValue<'a>>,
    /// `(dimension, value)` → variables.
    per_value: BTreeMap<(&'a str, &'a str), Vec<(&'a str, EnvValue<'a>)>>,
}

impl<'a> ScenarioEnv<'a> {
    fn parse(
        src: &Source,
        scenario: &str,
        raw: &'a BTreeMap<Spanned<String>, EnvEntry>,
        matrix: &Matrix,
    ) -> Result<Self, SuiteError> {
        let mut env = ScenarioEnv {
            common: BTreeMap::new(),
            per_value: BTreeMap::new(),
        };
        for (key, entry) in raw {
            let k = key.get_ref().as_str();
            match entry {
                EnvEntry::Var(value) => {
                    check_env_name(src, scenario, k, key.span())?;
                    env.common.insert(k, (value.as_str(), key.span()));
                }
                EnvEntry::PerValue(per_value) => {
                    for (matrix_value, vars) in per_value {
                        check_selector(matrix, k, matrix_value).map_err(|m| {
                            src.error(key.span(), format!("scenario `{scenario}`: env.{k}.{matrix_value}: {m}; a string value sets a variable for every variant"))
                        })?;
                        let mut list = Vec::new();
                        for (var, value) in vars {
                            check_env_name(src, scenario, var, key.span())?;
                            list.push((var.as_str(), (value.as_str(), key.span())));
                        }
                        env.per_value.insert((k, matrix_value.as_str()), list);
                    }
                }
            }
        }
        Ok(env)
    }

    /// The variables of one variant: the common ones, then those of each of its values (dimensions
    /// in name order, a later one winning).
    fn for_variant(
        &self,
        variant: &BTreeMap<String, String>,
    ) -> BTreeMap<&'a str, (&'a str, &std::ops::Range<usize>)> {
        let mut out: BTreeMap<&str, (&str, &std::ops::Range<usize>)> = self
            .common
            .iter()
            .map(|(k, (v, span))| (*k, (*v, span)))
            .collect();
        let selected = self
            .per_value
            .iter()
            .filter(|((dim, value), _)| variant.get(*dim).map(String::as_str) == Some(*value));
        for (_, vars) in selected {
            for (k, (v, span)) in vars {
                out.insert(k, (v, span));
            }
        }
        out
    }
}

fn check_env_name(
    src: &Source,
    scenario: &str,
    name: &str,
    span: std::ops::Range<usize>,
) -> Result<(), SuiteError> {
    if name.is_empty() || name.contains('=') || name.contains('\0') {
        return Err(src.error(
            span,
            format!("scenario `{scenario}`: `{name}` is not an environment variable name"),
        ));
    }
    Ok(())
}

fn check_name(src: &Source, name: &Spanned<String>, what: &str) -> Result<(), SuiteError> {
    if is_valid_name(name.get_ref()) {
        return Ok(());
    }
    Err(src.error(
        name.span(),
        format!(
            "{what} `{}` may hold only letters, digits, `_`, `-` and `.`",
            name.get_ref()
        ),
    ))
}

fn unknown_placeholder<'a>(
    place: &str,
    unknown: &str,
    known: impl Iterator<Item = &'a str> + Clone,
) -> String {
    match did_you_mean(unknown, known.clone()) {
        Some(close) => {
            format!("{place}: unknown placeholder `{{{unknown}}}`; did you mean `{{{close}}}`?")
        }
        None => {
            let list: Vec<String> = known.map(|k| format!("{{{k}}}")).collect();
            format!(
                "{place}: unknown placeholder `{{{unknown}}}` (known: {}; `{{{{` writes a brace)",
                list.join(" ")
            )
        }
    }
}

/// Reads one table's settings, checking each value where it is written.
fn partial(src: &Source, raw: RawSettings) -> Result<Partial, SuiteError> {
    let at_least_one = |v: &Option<Spanned<u32>>, key: &str| -> Result<Option<u32>, SuiteError> {
        match v {
            Some(n) if *n.get_ref() == 0 => {
                Err(src.error(n.span(), format!("`{key}` must be at least 1")))
            }
            _ => Ok(v.as_ref().map(|n| *n.get_ref())),
        }
    };
    let timeout = setting(
        src,
        &raw.timeout,
        "timeout",
        &format!(
            "a duration above zero such as {}",
            crate::units::DURATION_FORMS
        ),
        |t| parse_duration(t).filter(|d| !d.is_zero()),
    )?;
    let memory_limit = setting(
        src,
        &raw.memory_limit,
        "memory_limit",
        "a size such as `4GB` or `512MiB`, or \"none\"",
        |m| match m.trim() {
            "none" | "off" => Some(MemoryLimit::Unlimited),
            _ => parse_bytes(m).filter(|b| *b > 0).map(MemoryLimit::Bytes),
        },
    )?;
    let noise_threshold = setting(
        src,
        &raw.noise_threshold,
        "noise_threshold",
        "a fraction between 0 and 1 such as 0.05 or \"5%\"",
        noise_threshold,
    )?;
    Ok(Partial {
        protocol: raw.protocol.map(Spanned::into_inner),
        processes: at_least_one(&raw.processes, "processes")?,
        values: setting(
            src,
            &raw.values,
            "values",
            "a whole number of at least 1, or \"auto\"",
            |v| match v {
                toml::Value::Integer(n) if *n >= 1 => u32::try_from(*n).ok().map(Values::Count),
                toml::Value::String(s) if s == "auto" => Some(Values::Auto),
                _ => None,
            },
        )?,
        warmups: raw.warmups.map(Spanned::into_inner),
        timeout,
        memory_limit,
        noise_threshold,
        simulate: raw.simulate.map(Spanned::into_inner),
    })
}

/// An optional setting read with `parse`; a value it refuses is an error at the value.
fn setting<V: std::fmt::Display, T>(
    src: &Source,
    value: &Option<Spanned<V>>,
    key: &str,
    expected: &str,
    parse: impl Fn(&V) -> Option<T>,
) -> Result<Option<T>, SuiteError> {
    let Some(v) = value else {
        return Ok(None);
    };
    let bad = || {
        src.error(
            v.span(),
            format!("bad {key} `{}`: expected {expected}", v.get_ref()),
        )
    };
    parse(v.get_ref()).map(Some).ok_or_else(bad)
}

/// `0.05`, `"0.05"` or `"5%"` as a fraction in [0, 1).
fn noise_threshold(value: &toml::Value) -> Option<f64> {
    let fraction = match value {
        toml::Value::Float(f) => *f,
        toml::Value::Integer(i) => *i as f64,
        toml::Value::String(s) => match s.trim().strip_suffix('%') {
            Some(pct) => pct.trim().parse::<f64>().ok()? / 100.0,
            None => s.trim().parse().ok()?,
        },
        _ => return None,
    };
    (0.0..1.0).contains(&fraction).then_some(fraction)
}
