//! The runner on real processes: peak memory, timeouts, memory caps, the three protocols.

mod support;

use slogate::results::{metric, ResultsFile, Status};
use slogate::run::{run, RunOptions};
use slogate::suite::{BenchmarkSpec, MemoryLimit, Protocol};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

fn python() -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 on PATH");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn spec(key: &str, argv: &[&str]) -> BenchmarkSpec {
    BenchmarkSpec {
        key: key.into(),
        suite: "t".into(),
        scenario: key.into(),
        variant: BTreeMap::new(),
        command: argv.iter().map(|s| s.to_string()).collect(),
        env: BTreeMap::new(),
        cwd: PathBuf::from("."),
        protocol: Protocol::Process,
        processes: 1,
        values: 1,
        values_auto: false,
        warmups: 0,
        timeout: Duration::from_secs(15),
        memory_limit: MemoryLimit::Unlimited,
        thresholds: vec![],
        overhead: vec![],
        noise_threshold: None,
        profile: None,
        simulate: false,
        filter: None,
    }
}

fn go(specs: &[BenchmarkSpec]) -> ResultsFile {
    go_with(specs, &RunOptions::default())
}

fn go_with(specs: &[BenchmarkSpec], opts: &RunOptions) -> ResultsFile {
    run(specs, opts, None, &AtomicUsize::new(0), &()).unwrap()
}

fn values(r: &ResultsFile, key: &str, m: &str) -> Vec<Vec<f64>> {
    r.benchmark(key).unwrap().metrics[m].processes.clone()
}

#[test]
fn timeout_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pids");
    let script = format!(
        "echo $$ > {0}.tmp; sleep 1000 & echo $! >> {0}.tmp; mv {0}.tmp {0}; sleep 1000",
        marker.display()
    );
    let mut s = spec("hang", &["sh", "-c", &script]);
    s.timeout = Duration::from_secs(2);
    let t = Instant::now();
    let r = go(&[s]);
    let took = t.elapsed();
    let b = r.benchmark("hang").unwrap();
    assert_eq!(b.status, Status::Timeout, "{b:?}");
    assert!(
        b.reason.as_deref().unwrap().contains("timed out after 2"),
        "{b:?}"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let pids: Vec<i32> = std::fs::read_to_string(&marker)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    std::thread::sleep(Duration::from_millis(100));
    for pid in pids {
        assert!(!slogate::procfs::alive(pid), "process {pid} left behind");
    }
}

fn grower(py: &str) -> String {
    // ~1 GB/s: a touched 50 MB block every 50 ms, bounded at 4 GB in case nothing stops it.
    format!(
        "{py} -c \"import time\nl = []\nfor _ in range(80):\n    l.append(b'\\x01' * (50 << 20)); time.sleep(0.05)\""
    )
}

fn assert_oom(argv: &[&str]) {
    let cap = 400u64 << 20;
    let mut s = spec("grow", argv);
    s.memory_limit = MemoryLimit::Bytes(cap);
    s.timeout = Duration::from_secs(15);
    let t = Instant::now();
    let r = go(&[s]);
    let took = t.elapsed();
    let b = r.benchmark("grow").unwrap();
    assert_eq!(b.status, Status::Oom, "{b:?}");
    let oom = b.oom.unwrap();
    assert_eq!(oom.cap_bytes, cap);
    assert!(oom.peak_bytes > cap, "{oom:?}");
    // Passing the cap takes ~0.4 s of growth after start-up; 2 s of growth more would be ~2 GB.
    assert!(oom.peak_bytes < cap + (300 << 20), "stopped late: {oom:?}");
    // Bounded, with room for a loaded machine; the peak above is the tight check.
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert!(
        b.reason.as_deref().unwrap().contains("over the cap"),
        "{b:?}"
    );
}

#[test]
fn memory_cap_stops_a_growing_process() {
    let py = python();
    assert_oom(&["sh", "-c", &format!("exec {}", grower(&py))]);
}

#[test]
fn memory_cap_counts_children_of_a_wrapper() {
    let py = python();
    // `; true` keeps sh alive as the parent, so the grower is a child in the tree.
    assert_oom(&["sh", "-c", &format!("{}; true", grower(&py))]);
}

/// A parent that touches 120 MB, then forks three children that keep those pages shared for
/// `seconds`: the tree's summed resident memory is ~4 x 120 MB, while no process ever holds more
/// than ~130 MB.
fn shared_pages(py: &str, seconds: f64) -> Vec<String> {
    let code = format!(
        "import os, time\nb = bytearray(120 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\n\
         kids = [os.fork() for _ in range(3)]\nif 0 in kids:\n    time.sleep({seconds})\n    os._exit(0)\n\
         for k in kids: os.waitpid(k, 0)\n"
    );
    vec![py.to_string(), "-c".into(), code]
}

#[test]
fn peak_memory_means_one_thing_for_short_and_long_processes() {
    let py = python();
    let peak = |seconds: f64| {
        let argv = shared_pages(&py, seconds);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let r = go(&[spec("m", &argv)]);
        values(&r, "m", metric::MAX_RSS_USAGE)[0][0]
    };
    // Shorter than the watchdog's first look, and long enough for several.
    let (short, long) = (peak(0.0), peak(1.2));
    let mb = |b: f64| b / (1 << 20) as f64;
    assert!(short > 120e6 && short < 200e6, "short: {:.0} MB", mb(short));
    assert!(
        (long / short - 1.0).abs() < 0.2,
        "long {:.0} MB vs short {:.0} MB: shared pages counted once per process",
        mb(long),
        mb(short)
    );
}

#[test]
fn memory_cap_does_not_count_shared_pages_twice() {
    let py = python();
    let argv = shared_pages(&py, 1.2);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let mut s = spec("shared", &argv);
    // Over every process's own peak, under the tree's sum.
    s.memory_limit = MemoryLimit::Bytes(300 << 20);
    let r = go(&[s]);
    let b = r.benchmark("shared").unwrap();
    assert_eq!(b.status, Status::Ok, "{b:?}");
}

#[test]
fn process_protocol_discards_warmups() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    let mut s = spec(
        "p",
        &["sh", "-c", &format!("echo x >> {}", count.display())],
    );
    s.processes = 3;
    s.warmups = 2;
    let r = go(&[s]);
    for m in [
        metric::EXECUTION_TIME,
        metric::USER_TIME,
        metric::SYS_TIME,
        metric::MAX_RSS_USAGE,
    ] {
        let v = values(&r, "p", m);
        assert_eq!(v.len(), 3, "{m}");
        assert!(v.iter().all(|p| p.len() == 1), "{m}");
    }
    assert!(values(&r, "p", metric::EXECUTION_TIME)
        .iter()
        .all(|p| p[0] > 0.0));
    let runs = std::fs::read_to_string(&count).unwrap().lines().count();
    assert_eq!(runs, 5, "2 warmups + 3 measured processes");
}

#[test]
fn samples_protocol_reads_lines_and_names_bad_ones() {
    let py = python();
    let script = "import os\nn = int(os.environ['SLOGATE_VALUES'])\nw = int(os.environ['SLOGATE_WARMUPS'])\nwith open(os.environ['SLOGATE_SAMPLES'], 'a') as f:\n    for i in range(n): f.write('{\"ns\": %d}\\n' % (1000 + i))\n";
    let mut good = spec("good", &[&py, "-c", script]);
    good.protocol = Protocol::Samples;
    good.processes = 2;
    good.values = 4;
    let bad_script =
        "import os\nopen(os.environ['SLOGATE_SAMPLES'], 'a').write('{\"ns\": 5}\\nnot json\\n')";
    let mut bad = spec("bad", &[&py, "-c", bad_script]);
    bad.protocol = Protocol::Samples;
    let r = go(&[good, bad]);
    assert_eq!(
        values(&r, "good", metric::EXECUTION_TIME),
        vec![vec![1000.0, 1001.0, 1002.0, 1003.0]; 2]
    );
    let rss = values(&r, "good", metric::MAX_RSS_USAGE);
    assert_eq!(rss.len(), 2);
    assert!(rss.iter().all(|p| p.len() == 1 && p[0] > 1e6));
    let b = r.benchmark("bad").unwrap();
    assert_eq!(b.status, Status::Failed);
    let reason = b.reason.as_deref().unwrap();
    assert!(
        reason.contains("line 2") && reason.contains("not json"),
        "{reason}"
    );
}

#[test]
fn pyperf_protocol_with_real_pyperf() {
    let Some(py) = support::python("pyperf_protocol_with_real_pyperf") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bench.py");
    // The worker checks that the spec's environment reached it through pyperf.
    std::fs::write(
        &script,
        "import os, pyperf\nassert os.environ['SLOGATE_TEST_ENV'] == 'on', 'env not inherited'\nr = pyperf.Runner()\nr.bench_func('f', lambda: sum(range(50)))\n",
    )
    .unwrap();
    let mut s = spec("pp", &[py.to_str().unwrap(), script.to_str().unwrap()]);
    s.protocol = Protocol::Pyperf;
    s.processes = 2;
    s.values = 3;
    s.warmups = 1;
    s.env.insert("SLOGATE_TEST_ENV".into(), "on".into());
    s.timeout = Duration::from_secs(30);
    let r = go(&[s]);
    let b = r.benchmark("pp").unwrap();
    assert_eq!(b.status, Status::Ok, "{b:?}");
    let t = values(&r, "pp", metric::EXECUTION_TIME);
    assert_eq!(t.len(), 2);
    assert!(t.iter().all(|p| p.len() == 3), "{t:?}");
    // sum(range(50)) takes well under 100 µs and more than 10 ns.
    assert!(
        t.iter().flatten().all(|&ns| ns > 10.0 && ns < 100_000.0),
        "{t:?}"
    );
    let rss = values(&r, "pp", metric::MAX_RSS_USAGE);
    assert!(
        rss.iter().all(|p| p.len() == 1 && p[0] > 5e6 && p[0] < 5e8),
        "{rss:?}"
    );
}

/// pyperf calibrates its loops once per benchmark: the first process runs pyperf's calibration
/// worker, every later one (and a stepper given those loops, as `ab` gives the other side) passes
/// `--loops` and starts only its values worker. Each Python start of the script logs a line.
#[test]
fn pyperf_loops_are_calibrated_once() {
    // pyperf comes from the tests' virtualenv, as for every test that drives it.
    let Some(py) = support::python("pyperf_loops_are_calibrated_once") else {
        return;
    };
    let py = py.display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("starts.log");
    let script = dir.path().join("bench.py");
    std::fs::write(
        &script,
        format!(
            "import sys, pyperf\nopen({:?}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\nr = pyperf.Runner()\nr.bench_func('f', lambda: sum(range(50)))\n",
            log.display().to_string()
        ),
    )
    .unwrap();
    let mut s = spec("pp", &[&py, script.to_str().unwrap()]);
    s.protocol = Protocol::Pyperf;
    s.processes = 3;
    s.values = 2;
    s.timeout = Duration::from_secs(30);
    let starts = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .count()
    };
    let r = go(&[s.clone()]);
    assert_eq!(r.benchmark("pp").unwrap().status, Status::Ok);
    assert_eq!(values(&r, "pp", metric::EXECUTION_TIME).len(), 3);
    // Master and calibration worker and values worker, then master and values worker twice.
    assert_eq!(
        starts(),
        3 + 2 + 2,
        "{}",
        std::fs::read_to_string(&log).unwrap()
    );
    std::fs::remove_file(&log).unwrap();

    let interrupt = AtomicUsize::new(0);
    let mut first = slogate::run::Stepper::new(&s, None).unwrap();
    first.step(&interrupt);
    let loops = first.pyperf_loops().expect("the first process calibrated");
    let mut other = slogate::run::Stepper::new(&s, None).unwrap();
    other.share_pyperf_loops(loops);
    other.step(&interrupt);
    assert_eq!(starts(), 3 + 2);
    assert_eq!(other.pyperf_loops(), Some(loops));
}

/// pyperf's output is read by its importer: each benchmark's unit is kept (bytes of
/// `--track-memory` are memory, not seconds), and a script writing several benchmarks records
/// each as its own benchmark instead of pooling their values into one execution time.
#[test]
fn pyperf_protocol_keeps_units_and_records_several_benchmarks_apart() {
    // pyperf comes from the tests' virtualenv, as for every test that drives it.
    let Some(py) =
        support::python("pyperf_protocol_keeps_units_and_records_several_benchmarks_apart")
    else {
        return;
    };
    let py = py.display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.py");
    std::fs::write(
        &one,
        "import pyperf\nr = pyperf.Runner()\nr.bench_func('f', lambda: bytearray(1 << 20))\n",
    )
    .unwrap();
    let two = dir.path().join("two.py");
    std::fs::write(
        &two,
        "import pyperf\nr = pyperf.Runner()\nr.bench_func('first', lambda: sum(range(50)))\nr.bench_func('second', lambda: sum(range(500)))\n",
    )
    .unwrap();
    let pyperf = |key: &str, argv: &[&str]| {
        let mut s = spec(key, argv);
        s.protocol = Protocol::Pyperf;
        s.values = 2;
        s.timeout = Duration::from_secs(30);
        s
    };
    let r = go(&[
        pyperf("mem", &[&py, one.to_str().unwrap(), "--track-memory"]),
        pyperf("two", &[&py, two.to_str().unwrap()]),
    ]);
    let mem = r.benchmark("mem").unwrap();
    assert_eq!(mem.status, Status::Ok, "{mem:?}");
    assert!(
        !mem.metrics.contains_key(metric::EXECUTION_TIME),
        "bytes are not times: {mem:?}"
    );
    // A Python process that allocates 1 MiB peaks between 1 MB and 1 GB.
    let rss = values(&r, "mem", metric::MAX_RSS_USAGE);
    assert!(rss.iter().flatten().all(|&b| b > 1e6 && b < 1e9), "{rss:?}");
    assert!(r.benchmark("two").is_none(), "{:?}", r.benchmarks);
    for name in ["t/two/first", "t/two/second"] {
        let b = r
            .benchmark(name)
            .unwrap_or_else(|| panic!("no {name}: {:?}", r.benchmarks));
        assert_eq!(b.status, Status::Ok, "{b:?}");
        assert_eq!(values(&r, name, metric::EXECUTION_TIME)[0].len(), 2);
    }
    let mean = |name: &str| {
        let v = values(&r, name, metric::EXECUTION_TIME);
        v[0].iter().sum::<f64>() / v[0].len() as f64
    };
    // Each keeps its own values: `sum(range(500))` is the slower.
    assert!(mean("t/two/second") > mean("t/two/first"));
}

#[test]
fn tmp_is_fresh_per_benchmark_and_kept_on_request() {
    let out = tempfile::tempdir().unwrap();
    let record = |name: &str| {
        format!(
            "echo {{tmp}} >> {0}; touch {{tmp}}/prof.pprof",
            out.path().join(name).display()
        )
    };
    let mut s = spec("t/x[p=on]", &["sh", "-c", &record("removed")]);
    s.processes = 2;
    go(&[s.clone()]);
    let dirs = std::fs::read_to_string(out.path().join("removed")).unwrap();
    let dirs: Vec<&str> = dirs.lines().collect();
    assert_eq!(dirs.len(), 2);
    assert_eq!(
        dirs[0], dirs[1],
        "one {{tmp}} for all processes of a benchmark"
    );
    assert!(!Path::new(dirs[0]).exists(), "{{tmp}} removed afterwards");

    let keep = out.path().join("keep");
    s.command = vec!["sh".into(), "-c".into(), record("kept")];
    let opts = RunOptions {
        keep_tmp: Some(keep.clone()),
        ..RunOptions::default()
    };
    go_with(&[s], &opts);
    assert!(keep.join("t_x_p=on_").join("prof.pprof").is_file());
}

#[test]
fn interrupt_kills_the_running_process_and_keeps_earlier_values() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    // The third process hangs; the interrupt must end it at once and drop its values.
    let script = format!(
        "echo x >> {0}; [ $(wc -l < {0}) -ge 3 ] && sleep 100; exit 0",
        count.display()
    );
    let mut s = spec("i", &["sh", "-c", &script]);
    s.processes = 5;
    s.timeout = Duration::from_secs(30);
    let flag = std::sync::Arc::new(AtomicUsize::new(0));
    let setter = flag.clone();
    let t = Instant::now();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        setter.store(libc::SIGINT as usize, std::sync::atomic::Ordering::SeqCst);
    });
    let r = run(&[s], &RunOptions::default(), None, &flag, &()).unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
    assert!(r.meta.interrupted);
    let b = r.benchmark("i").unwrap();
    assert_eq!(b.status, Status::Ok);
    assert_eq!(b.planned_processes, 5);
    assert_eq!(b.metrics[metric::EXECUTION_TIME].processes.len(), 2);
}
