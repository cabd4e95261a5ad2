//! ab (not built yet).
