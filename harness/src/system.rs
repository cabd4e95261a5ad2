//! system (not built yet).
