//! The `bakery` command's front end to the use cases: a [`Bakery`] over this process's
//! environment, the native keyring, and MFA codes asked on the terminal.

use std::io::{BufRead, Write};
use std::sync::Arc;

use bakery_app::{Bakery, Environment};
use bakery_credentials::{KeyringAccess, MfaPrompt, MfaRefusal};
use bakery_home::BakeryHome;

use crate::error::CliError;

/// The front end's bakery: this process's environment, the native keyring, MFA codes
/// asked on the terminal.
pub fn bakery() -> Result<Arc<Bakery>, CliError> {
    let home = BakeryHome::from_env()?;
    let dir = home.ensure()?.to_path_buf();
    Ok(Arc::new(Bakery::new(
        &dir,
        Environment::from_process(),
        KeyringAccess::native(),
        Arc::new(StdinMfaPrompt),
    )))
}

/// Asks for MFA codes on stderr and reads them from stdin, one line each.
struct StdinMfaPrompt;

impl MfaPrompt for StdinMfaPrompt {
    fn mfa_code(&self, profile: &str, serial: &str) -> Result<String, MfaRefusal> {
        eprint!("MFA code for {serial} (profile \"{profile}\"): ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) => Err(MfaRefusal::Unavailable(
                "stdin closed before a code was given".into(),
            )),
            Ok(_) => Ok(line.trim().to_string()),
            Err(err) => Err(MfaRefusal::Unavailable(err.to_string())),
        }
    }
}
