//! Every way a `bakery` command can fail, with the exit status it maps to.

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Sandbox(#[from] bakery_sandbox::SandboxError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Template(#[from] bakery_template::TemplateError),
    /// A use case failed (its message says what to do).
    #[error(transparent)]
    App(bakery_app::AppError),
    /// The template has errors; they were printed above, one per line.
    #[error("{path}: {errors} error(s)")]
    TemplateInvalid {
        path: std::path::PathBuf,
        errors: usize,
    },
    #[error(transparent)]
    Credentials(#[from] bakery_credentials::CredentialsError),
    /// An argument is malformed; the message shows the expected shape.
    #[error("{0}")]
    Usage(String),
    #[error("cannot read the secret: {0}")]
    SecretInput(std::io::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// `bakery fmt --check` found a file that formatting would change.
    #[error("{0} is not formatted: run `bakery fmt` on it")]
    NotFormatted(std::path::PathBuf),
    #[error("cannot listen for Ctrl-C / SIGTERM: {0}")]
    Signals(std::io::Error),
    #[error(transparent)]
    Home(#[from] bakery_home::HomeError),
    #[error("cancelled; everything the bake created was cleaned up")]
    Cancelled,
    #[error("{0} build(s) failed")]
    BakesFailed(usize),
    #[error("these resources are still left: {}", .0.join("; "))]
    LeftBehind(Vec<String>),
    #[error(
        "the sandbox stopped on its own (supervisor pid {0} exited); see its log above and start it again"
    )]
    SandboxDied(u32),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::SandboxDied(_) | CliError::NotFormatted(_) => 3,
            // Like a shell: 128 + SIGINT.
            CliError::Cancelled => 130,
            _ => 1,
        }
    }
}

impl From<bakery_app::AppError> for CliError {
    fn from(err: bakery_app::AppError) -> Self {
        match err {
            bakery_app::AppError::TemplateInvalid { path, errors } => {
                CliError::TemplateInvalid { path, errors }
            }
            bakery_app::AppError::Engine(bakery_engine::EngineError::Cancelled(_)) => {
                CliError::Cancelled
            }
            other => CliError::App(other),
        }
    }
}
