//! History database (not built yet).
