use super::*;
use crate::results::tests::sample;
use crate::results::GitInfo;

fn run(id: &str, day: u32) -> ResultsFile {
    let mut f = sample();
    f.meta.run_id = id.into();
    f.meta.started_at = format!("2026-10-{day:02}T02:00:00Z").parse().unwrap();
    f.meta.git = Some(GitInfo {
        commit: format!("{day:02}abcdef0123456789"),
        branch: Some("main".into()),
        dirty: false,
        subject: None,
    });
    let b = &mut f.benchmarks[0];
    b.reason = Some("ok <really>".into());
    b.overhead = vec!["execution_time[p=on] < 1.05 * execution_time[p=off]".into()];
    b.noise_threshold = Some(0.03);
    let mut mem = MetricSamples::new(Unit::Bytes);
    mem.processes = vec![vec![1.5e7], vec![], vec![1.25e7, 0.1 + 0.2]];
    b.metrics.insert("max_rss_usage".into(), mem);
    let mut summary = MetricSamples::new(Unit::Nanoseconds);
    summary.summary = Some(SummaryStats {
        n: 5,
        mean: 3.0,
        stddev: 0.5,
        median: Some(2.9),
        min: None,
        max: None,
    });
    b.metrics.insert("imported".into(), summary);
    let mut other = f.benchmarks[0].clone();
    other.key = "s/b[x=1]".into();
    other.scenario = "b".into();
    other.variant = [("x".to_string(), "1".to_string())].into();
    other.status = Status::Timeout;
    f.benchmarks.insert(0, other);
    f
}

#[test]
fn export_gives_back_what_was_added_and_add_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    let mut h = History::open(&db).unwrap();
    let (a, b) = (run("r-a", 2), run("r-b", 1));
    assert!(matches!(
        h.add(&a).unwrap(),
        Added::Stored { benchmarks: 2, .. }
    ));
    assert!(matches!(h.add(&b).unwrap(), Added::Stored { .. }));
    assert_eq!(
        h.add(&a).unwrap(),
        Added::AlreadyPresent {
            run_id: "r-a".into()
        }
    );
    assert_eq!(h.export("r-a").unwrap(), a);
    assert_eq!(h.export("r-b").unwrap(), b);
    let runs = h.runs().unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["r-b", "r-a"], "oldest first");
    assert_eq!(runs[0].benchmarks, 2);
    assert!(matches!(
        h.export("nope"),
        Err(HistoryError::NoSuchRun { .. })
    ));
    let mut seen = 0;
    h.for_each_sample(|row| {
        seen += 1;
        assert!(row.key.starts_with("s/"));
        assert_eq!(row.thresholds, ["execution_time < 1 ms"]);
    })
    .unwrap();
    assert_eq!(seen, 2 * 2 * 3);
}

#[test]
fn opens_a_version_one_database_and_migrates_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.sqlite");
    {
        let mut conn = Connection::open(&db).unwrap();
        schema::migrate(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO runs (run_id, started_at, machine, meta) VALUES ('old', ?1, 'fp', ?2)",
            params![
                time_text(&sample().meta.started_at),
                serde_json::to_string(&sample().meta).unwrap()
            ],
        )
        .unwrap();
    }
    let mut h = History::open(&db).unwrap();
    let v: i64 = h
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 2, "version 1 migrated to the current version");
    assert_eq!(v, SCHEMA_VERSION);
    assert_eq!(h.runs().unwrap()[0].run_id, "old");
    h.add(&run("new", 3)).unwrap();
    assert_eq!(h.runs().unwrap().len(), 2);
}

#[test]
fn refuses_foreign_and_corrupt_files_without_touching_them() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("app.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('x');")
        .unwrap();
    let corrupt = dir.path().join("bad.sqlite");
    let mut bytes = std::fs::read(&foreign).unwrap();
    bytes[..16].copy_from_slice(b"garbage garbage!");
    std::fs::write(&corrupt, &bytes).unwrap();
    let text = dir.path().join("notes.sqlite");
    std::fs::write(&text, "just text\n").unwrap();
    for (path, want) in [
        (&foreign, "not a slogate history"),
        (&corrupt, "not a SQLite"),
        (&text, "not a SQLite"),
    ] {
        let before = std::fs::read(path).unwrap();
        let err = History::open(path).err().expect("refused").to_string();
        assert!(
            err.contains(want) && err.contains(&path.display().to_string()),
            "{err}"
        );
        assert_eq!(
            std::fs::read(path).unwrap(),
            before,
            "{} was modified",
            path.display()
        );
    }
}

#[test]
fn concurrent_writers_both_land() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    std::thread::scope(|s| {
        for t in 0..2 {
            let db = &db;
            s.spawn(move || {
                let mut h = History::open(db).unwrap();
                for i in 0..10 {
                    h.add(&run(&format!("t{t}-{i}"), 1 + i)).unwrap();
                }
            });
        }
    });
    assert_eq!(History::open(&db).unwrap().runs().unwrap().len(), 20);
}

#[test]
fn value_blobs_round_trip_and_reject_bad_sizes() {
    let p = vec![vec![1.0, 2.5], vec![], vec![f64::MAX]];
    let (c, v) = encode(&p);
    assert_eq!(decode(&c, &v).unwrap(), p);
    assert!(decode(&c, &v[..8]).is_none());
    assert!(decode(&c[..4], &v).is_none());
}
