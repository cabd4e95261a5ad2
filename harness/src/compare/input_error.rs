//! The error of a file that shapes a comparison (an accept file, a noise file): it cannot be read,
//! or a line of it is wrong.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum InputFileError {
    #[error("{path}: cannot read the {kind}: {source}")]
    Io {
        path: PathBuf,
        /// What the file is, as the message names it: `accept file`, `noise file`.
        kind: &'static str,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    At {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl InputFileError {
    /// Reads `path`, a `kind` file, whole.
    pub fn read(path: &Path, kind: &'static str) -> Result<String, InputFileError> {
        std::fs::read_to_string(path).map_err(|source| InputFileError::Io {
            path: path.to_path_buf(),
            kind,
            source,
        })
    }

    /// A `message` about the line of `text` (the file at `path`) that holds byte `offset`.
    pub fn at(path: &Path, text: &str, offset: usize, message: String) -> InputFileError {
        InputFileError::At {
            path: path.to_path_buf(),
            line: crate::slo::file::line_col(text, offset).0,
            message,
        }
    }
}
