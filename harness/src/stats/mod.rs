//! Statistics: pure functions tested against known values (not built yet).

pub mod changepoint;
