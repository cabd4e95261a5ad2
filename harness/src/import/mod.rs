//! Importers of other tools' output (not built yet).
