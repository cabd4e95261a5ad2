//! pprof files a workload's own profiler writes into `{tmp}` (ddtrace with
//! `DD_PROFILING_OUTPUT_PPROF={tmp}/prof`): the protobuf of `profile.proto`, raw, gzip- or
//! zstd-compressed (ddtrace's are zstd). Every file of `{tmp}` that is compressed or named
//! `*.pprof` / `*.pb` is read; the costs of the first sample type found in [`PREFERRED`] (else
//! the profile's default, else its first) are summed.

use super::folded::{short_path, Folded};
use super::{ProfileError, ProfileSource};
use prost::Message;
use std::io::Read;
use std::path::Path;

/// Sample types, most telling first: CPU time says where a slower benchmark spent its time.
const PREFERRED: [&str; 6] = [
    "cpu-time",
    "cpu",
    "cpu-samples",
    "samples",
    "wall-time",
    "wall",
];

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

pub struct Pprof;

impl ProfileSource for Pprof {
    fn name(&self) -> &'static str {
        "pprof"
    }

    fn wrap(&self, argv: &[String]) -> Vec<String> {
        argv.to_vec()
    }

    fn slowdown(&self) -> u32 {
        2
    }

    fn read(&self, tmp: &Path) -> Result<Folded, ProfileError> {
        let mut folded = Folded::default();
        let mut found = 0;
        for path in super::files_in(tmp)? {
            let bytes = std::fs::read(&path).map_err(|e| ProfileError::Read {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let named = path.extension().is_some_and(|e| e == "pprof" || e == "pb");
            if !(named || bytes.starts_with(&GZIP_MAGIC) || bytes.starts_with(&ZSTD_MAGIC)) {
                continue;
            }
            let parse = |m: String| ProfileError::Parse(format!("{}: {m}", path.display()));
            let profile = decode(&bytes).map_err(parse)?;
            folded.merge(fold(&profile).map_err(parse)?);
            found += 1;
        }
        if found == 0 {
            return Err(ProfileError::Missing(
                "no pprof file in the benchmark's {tmp}: point the workload's profiler there \
                 (ddtrace: DD_PROFILING_OUTPUT_PPROF={tmp}/prof)"
                    .to_string(),
            ));
        }
        folded.runs = 1;
        Ok(folded)
    }
}

/// A profile from its bytes: zstd, gzip or raw protobuf, told apart by their magic bytes.
pub fn decode(bytes: &[u8]) -> Result<Profile, String> {
    let raw = if bytes.starts_with(&ZSTD_MAGIC) {
        zstd::stream::decode_all(bytes).map_err(|e| format!("bad zstd data: {e}"))?
    } else if bytes.starts_with(&GZIP_MAGIC) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| format!("bad gzip data: {e}"))?;
        out
    } else {
        bytes.to_vec()
    };
    Profile::decode(raw.as_slice()).map_err(|e| format!("not a pprof profile: {e}"))
}

/// The profile's stacks (root first) with the chosen sample type's values.
pub fn fold(p: &Profile) -> Result<Folded, String> {
    let string = |i: i64| -> &str {
        usize::try_from(i)
            .ok()
            .and_then(|i| p.string_table.get(i))
            .map_or("", String::as_str)
    };
    let types: Vec<&str> = p.sample_type.iter().map(|t| string(t.r#type)).collect();
    let total = |i: usize| -> i64 { p.sample.iter().filter_map(|s| s.value.get(i)).sum() };
    let chosen = PREFERRED
        .iter()
        .find_map(|want| {
            types
                .iter()
                .position(|t| t == want)
                .filter(|&i| total(i) > 0)
        })
        .or_else(|| {
            types
                .iter()
                .position(|&t| t == string(p.default_sample_type))
        })
        .or((!types.is_empty()).then_some(0))
        .ok_or("the profile has no sample type")?;
    let functions: std::collections::HashMap<u64, String> = p
        .function
        .iter()
        .map(|f| {
            let file = string(f.filename);
            let name = string(f.name);
            let label = if file.is_empty() {
                name.to_string()
            } else {
                format!("{name} ({})", short_path(file))
            };
            (f.id, label)
        })
        .collect();
    let locations: std::collections::HashMap<u64, &Location> =
        p.location.iter().map(|l| (l.id, l)).collect();
    let unit = p.sample_type[chosen].unit;
    let mut folded = Folded {
        runs: 1,
        unit: format!("{} of {}", string(unit), types[chosen]),
        ..Folded::default()
    };
    for sample in &p.sample {
        let value = sample.value.get(chosen).copied().unwrap_or(0);
        if value <= 0 {
            continue;
        }
        // Leaf first in the sample and, within a location, inlined callee first.
        let mut stack = Vec::new();
        for id in sample.location_id.iter().rev() {
            let location = locations
                .get(id)
                .ok_or_else(|| format!("sample names location {id}, which is not defined"))?;
            if location.line.is_empty() {
                stack.push(format!("0x{:x}", location.address));
            }
            for line in location.line.iter().rev() {
                stack.push(
                    functions
                        .get(&line.function_id)
                        .cloned()
                        .unwrap_or_else(|| format!("function {}", line.function_id)),
                );
            }
        }
        folded.add(stack, value as f64);
    }
    Ok(folded)
}

/// The messages of pprof's `profile.proto` that a differential needs (field numbers as there).
#[derive(Clone, PartialEq, Message)]
pub struct Profile {
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<Sample>,
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    #[prost(string, repeated, tag = "6")]
    pub string_table: Vec<String>,
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct ValueType {
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Sample {
    #[prost(uint64, repeated, tag = "1")]
    pub location_id: Vec<u64>,
    #[prost(int64, repeated, tag = "2")]
    pub value: Vec<i64>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Location {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "3")]
    pub address: u64,
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Line {
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    #[prost(int64, tag = "2")]
    pub line: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Function {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(int64, tag = "2")]
    pub name: i64,
    #[prost(int64, tag = "4")]
    pub filename: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// main → work (inlined helper inside work's location), cpu-time and wall-time.
    fn profile() -> Profile {
        let strings = [
            "",
            "wall-time",
            "nanoseconds",
            "cpu-time",
            "main",
            "work",
            "helper",
            "/v/lib/python3.11/site-packages/pkg/mod.py",
        ];
        Profile {
            sample_type: vec![
                ValueType { r#type: 1, unit: 2 },
                ValueType { r#type: 3, unit: 2 },
            ],
            sample: vec![
                Sample {
                    location_id: vec![2, 1],
                    value: vec![100, 70],
                },
                Sample {
                    location_id: vec![1],
                    value: vec![10, 5],
                },
            ],
            location: vec![
                Location {
                    id: 1,
                    address: 0,
                    line: vec![Line {
                        function_id: 1,
                        line: 3,
                    }],
                },
                Location {
                    id: 2,
                    address: 0,
                    line: vec![
                        Line {
                            function_id: 3,
                            line: 9,
                        },
                        Line {
                            function_id: 2,
                            line: 5,
                        },
                    ],
                },
            ],
            function: vec![
                Function {
                    id: 1,
                    name: 4,
                    filename: 7,
                },
                Function {
                    id: 2,
                    name: 5,
                    filename: 7,
                },
                Function {
                    id: 3,
                    name: 6,
                    filename: 0,
                },
            ],
            string_table: strings.iter().map(|s| s.to_string()).collect(),
            default_sample_type: 0,
        }
    }

    fn stack(s: &[&str]) -> Vec<String> {
        s.iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn folds_cpu_time_root_first_with_inlined_frames() {
        let f = fold(&profile()).unwrap();
        assert_eq!(
            f.stacks[&stack(&["main (pkg/mod.py)", "work (pkg/mod.py)", "helper"])],
            70.0
        );
        assert_eq!(f.stacks[&stack(&["main (pkg/mod.py)"])], 5.0);
        assert_eq!(f.unit, "nanoseconds of cpu-time");
    }

    #[test]
    fn reads_raw_gzip_and_zstd_alike() {
        let raw = profile().encode_to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&raw).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::stream::encode_all(raw.as_slice(), 3).unwrap();
        for bytes in [&raw, &gz, &zst] {
            assert_eq!(decode(bytes).unwrap(), profile());
        }
        assert!(decode(&ZSTD_MAGIC)
            .unwrap_err()
            .starts_with("bad zstd data"));
    }

    #[test]
    fn reads_every_profile_file_of_tmp_and_names_a_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        let zst = zstd::stream::encode_all(profile().encode_to_vec().as_slice(), 3).unwrap();
        std::fs::write(dir.path().join("prof.1.1"), &zst).unwrap();
        std::fs::write(dir.path().join("prof.2.1"), &zst).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a profile").unwrap();
        let f = Pprof.read(dir.path()).unwrap();
        assert_eq!(f.total(), 150.0);
        std::fs::write(dir.path().join("bad.pprof"), [0xff, 0xff, 0xff]).unwrap();
        let err = Pprof.read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("bad.pprof: not a pprof profile"), "{err}");
        let empty = tempfile::tempdir().unwrap();
        let err = Pprof.read(empty.path()).unwrap_err().to_string();
        assert!(err.contains("DD_PROFILING_OUTPUT_PPROF"), "{err}");
    }
}
