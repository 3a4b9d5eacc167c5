//! `bakery inspect`: a template's parts as written, like `packer inspect`.

use std::path::PathBuf;

use bakery_template::Outline;

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The template: Packer JSON, HCL2 when it ends in .pkr.hcl, or a folder of .pkr.hcl files.
    file: PathBuf,
}

pub fn run(args: &InspectArgs) -> Result<(), CliError> {
    let name = args.file.display().to_string();
    let text = if args.file.is_dir() {
        let folder = bakery_app::template::hcl_folder(&args.file)?;
        folder
            .files
            .into_iter()
            .map(|(_, text)| text + "\n")
            .collect()
    } else {
        bakery_app::template::read(&args.file)?
    };
    let outline = if args.file.is_dir() || bakery_app::template::is_hcl(&args.file) {
        bakery_template::outline_hcl(&name, &text)?
    } else {
        bakery_template::outline(&name, &text)?
    };
    print!("{}", render(&outline));
    Ok(())
}

fn section(out: &mut String, title: &str, lines: Vec<String>, empty: &str) {
    out.push_str(title);
    out.push_str(":\n\n");
    if lines.is_empty() {
        out.push_str(&format!("  <No {empty}>\n"));
    }
    for line in lines {
        out.push_str(&format!("  {line}\n"));
    }
    out.push('\n');
}

fn render(outline: &Outline) -> String {
    let mut out = String::new();
    if let Some(description) = &outline.description {
        out.push_str(&format!("Description:\n\n  {description}\n\n"));
    }
    let required: Vec<String> = outline
        .variables
        .iter()
        .filter(|v| v.default.is_none())
        .map(|v| v.name.clone())
        .collect();
    if !required.is_empty() {
        section(
            &mut out,
            "Required variables",
            required,
            "required variables",
        );
    }
    let width = outline
        .variables
        .iter()
        .map(|v| v.name.len())
        .max()
        .unwrap_or(0);
    let optional: Vec<String> = outline
        .variables
        .iter()
        .filter_map(|v| {
            let value = if v.sensitive {
                "<sensitive>"
            } else {
                v.default.as_deref()?
            };
            Some(format!("{:width$} = {value}", v.name))
        })
        .collect();
    section(
        &mut out,
        "Optional variables and their defaults",
        optional,
        "optional variables",
    );
    let builders = outline
        .builders
        .iter()
        .map(|(name, kind)| {
            if name == kind {
                name.clone()
            } else {
                format!("{name:20} ({kind})")
            }
        })
        .collect();
    section(&mut out, "Builders", builders, "builders");
    section(
        &mut out,
        "Provisioners",
        outline.provisioners.clone(),
        "provisioners",
    );
    let post = outline
        .post_processors
        .iter()
        .map(|chain| chain.join(" -> "))
        .collect();
    section(&mut out, "Post-processors", post, "post-processors");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_like_packer_inspect() {
        let outline = bakery_template::outline(
            "t.json",
            r#"{"variables": {"region": null, "key": "k", "ami": "web"}, "sensitive-variables": ["key"],
                "builders": [{"type": "amazon-ebs", "name": "web"}], "provisioners": [{"type": "shell"}]}"#,
        )
        .unwrap();
        let text = render(&outline);
        assert!(text.contains("Required variables:\n\n  region\n"), "{text}");
        assert!(text.contains("  key    = <sensitive>\n"), "{text}");
        assert!(text.contains("  ami    = web\n"), "{text}");
        assert!(
            text.contains("  web                  (amazon-ebs)\n"),
            "{text}"
        );
        assert!(text.contains("Provisioners:\n\n  shell\n"), "{text}");
        assert!(text.contains("<No post-processors>"), "{text}");
    }
}
