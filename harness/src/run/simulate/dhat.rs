//! DHAT's JSON file (`--dhat-out-file`, format version 2): one record per allocation point
//! (`pps`), each with the bytes and blocks it allocated in total (`tb`, `tbk`) and the bytes it
//! held at the moment the heap was largest (`gb`).

use serde::Deserialize;

/// The heap figures of one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Heap {
    /// Bytes live when the heap was largest (DHAT's "At t-gmax").
    pub peak: u64,
    /// Bytes allocated over the whole run.
    pub allocated: u64,
    /// Blocks allocated over the whole run.
    pub allocations: u64,
}

impl Heap {
    /// Figures of two processes of one tree: totals add up; the peaks add up too, an upper bound
    /// on the tree's peak (the two heaps may have peaked at different moments).
    pub fn add(&mut self, other: Heap) {
        self.peak += other.peak;
        self.allocated += other.allocated;
        self.allocations += other.allocations;
    }
}

#[derive(Deserialize)]
struct File {
    #[serde(rename = "dhatFileVersion")]
    version: u32,
    mode: String,
    /// Whether `gb` is present (block lifetimes were tracked).
    #[serde(default)]
    bklt: bool,
    pps: Vec<Point>,
}

#[derive(Deserialize)]
struct Point {
    tb: u64,
    tbk: u64,
    #[serde(default)]
    gb: Option<u64>,
}

/// Reads one DHAT file. Errors say what is missing or malformed.
pub fn parse(text: &str) -> Result<Heap, String> {
    let file: File = serde_json::from_str(text).map_err(|e| format!("not a DHAT file: {e}"))?;
    if file.version != 2 {
        return Err(format!(
            "DHAT file version {} (version 2 is read)",
            file.version
        ));
    }
    if file.mode != "heap" || !file.bklt {
        return Err(format!(
            "DHAT ran in `{}` mode without block lifetimes; heap figures need the default heap mode",
            file.mode
        ));
    }
    let mut heap = Heap::default();
    for (i, p) in file.pps.iter().enumerate() {
        let gb =
            p.gb.ok_or_else(|| format!("allocation point {i} has no `gb` (bytes at the peak)"))?;
        heap.add(Heap {
            peak: gb,
            allocated: p.tb,
            allocations: p.tbk,
        });
    }
    Ok(heap)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"dhatFileVersion":2,"mode":"heap","verb":"Allocated","bklt":true,
        "bkacc":true,"tu":"instrs","Mtu":"Minstr","tuth":500,"cmd":"python3 x.py","pid":7,
        "te":100,"tg":50,"pps":[
        {"tb":32,"tbk":1,"tl":10,"mb":32,"mbk":1,"gb":32,"gbk":1,"eb":0,"ebk":0,"rb":0,"wb":12,"fs":[1]},
        {"tb":1000,"tbk":10,"tl":10,"mb":300,"mbk":3,"gb":200,"gbk":2,"eb":0,"ebk":0,"rb":0,"wb":0,"fs":[2]}],
        "ftbl":["[root]","0x1: main"]}"#;

    #[test]
    fn sums_the_allocation_points() {
        assert_eq!(
            parse(FILE).unwrap(),
            Heap {
                peak: 232,
                allocated: 1032,
                allocations: 11
            }
        );
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(parse("{").unwrap_err().contains("not a DHAT file"));
        assert!(
            parse(&FILE.replace("\"dhatFileVersion\":2", "\"dhatFileVersion\":9"))
                .unwrap_err()
                .contains("version 9")
        );
        assert!(
            parse(&FILE.replace("\"mode\":\"heap\"", "\"mode\":\"copy\""))
                .unwrap_err()
                .contains("`copy` mode")
        );
        assert!(parse(&FILE.replace("\"gb\":200,", ""))
            .unwrap_err()
            .contains("point 1"));
        assert!(parse(&FILE.replace("\"tb\":32", "\"tb\":\"x\""))
            .unwrap_err()
            .contains("not a DHAT file"));
    }
}
