//! The shell scripts a bake writes, the way Packer writes them, for the `shell` provisioner
//! (on the instance) and `shell-local` (on this machine) alike: `inline` commands as a
//! script under a shebang, the environment (Packer's variables, then the user's), and the
//! POSIX quoting of `{{.Vars}}`.

/// Quotes a value for a POSIX shell, as Packer does for environment_vars.
pub fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// The script Packer writes for `inline`: the shebang (default `/bin/sh -e`), then one
/// command a line.
pub fn inline_script(shebang: Option<&str>, lines: &[String]) -> String {
    let shebang = shebang.unwrap_or("/bin/sh -e");
    let mut script = format!("#!{shebang}\n");
    for line in lines {
        script.push_str(line);
        script.push('\n');
    }
    script
}

/// The environment of a script: Packer's variables, then the user's `environment_vars`.
pub fn environment(build_name: &str, user_vars: &[(String, String)]) -> Vec<(String, String)> {
    let mut vars = vec![
        ("PACKER_BUILD_NAME".to_string(), build_name.to_string()),
        ("PACKER_BUILDER_TYPE".to_string(), "amazon-ebs".to_string()),
    ];
    vars.extend(user_vars.iter().cloned());
    vars
}

/// `{{.Vars}}`: the environment as `KEY='value' …`.
pub fn assignments(vars: &[(String, String)]) -> String {
    vars.iter()
        .map(|(k, v)| format!("{k}={}", shell_quote(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_like_packer() {
        let vars = environment("web", &[("GREETING".into(), "it's here".into())]);
        assert_eq!(
            assignments(&vars),
            r"PACKER_BUILD_NAME='web' PACKER_BUILDER_TYPE='amazon-ebs' GREETING='it'\''s here'"
        );
    }
}
