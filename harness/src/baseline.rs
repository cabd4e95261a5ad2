//! baseline (not built yet).
