//! Trend plots (not built yet).
