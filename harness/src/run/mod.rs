//! Running benchmarks: processes, protocols, timeouts (not built yet).
