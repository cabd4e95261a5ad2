//! Renderers of a comparison (not built yet).
