//! git (not built yet).
