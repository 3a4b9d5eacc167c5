//! The HCL2 reader's state: what reading a template collects besides the tree (its problems,
//! positions, HCL2 field names, builder names), and how a problem is reported at its line.
//! The walk over the top-level blocks is in `top_level`; what each block means is in the
//! sibling modules (variables, blocks, dynamic blocks).

use std::collections::BTreeMap;

use hcl_edit::structure::{Block, BlockLabel};

use crate::diagnostic::{Code, Diagnostic};
use crate::json::{Node, Position, line_starts};
use crate::render::RenderContext;

/// What reading a template collects besides the tree: its problems, and how its JSON paths
/// are named in HCL2.
pub(super) struct Reader<'a> {
    /// The first build's `description`.
    pub(super) description: Option<String>,
    /// `packer { required_version = ">= X" }`'s X.
    pub(super) min_packer_version: Option<String>,
    /// The template's text.
    pub(super) source: &'a str,
    /// Where each line of it starts.
    pub(super) lines: Vec<usize>,
    /// The problems found while reading, beside the checker's.
    pub(super) out: Vec<Diagnostic>,
    /// `data "amazon-ami" "NAME"` blocks, as the source AMI filter they stand for.
    pub(super) amis: BTreeMap<String, Node>,
    /// `path.root` and `path.cwd`.
    pub(super) paths: (String, String),
    /// The JSON tree's paths (`builders[0]`) and what they are in HCL2
    /// (`source.amazon-ebs.web`), for the checker's diagnostics.
    pub(super) fields: Vec<(String, String)>,
    /// The builders' names (`TYPE.NAME`), which `override` keys are.
    pub(super) builder_names: Vec<String>,
    /// `build`, or `build[i]` when there are several.
    pub(super) build_label: String,
    /// Fields whose value could not be evaluated (already reported): not "missing" too.
    pub(super) failed: Vec<String>,
    /// Locals whose value could not be evaluated (already reported): their uses are not
    /// reported again.
    pub(super) failed_locals: Vec<String>,
    /// Data source types refused as not supported yet: their uses are not errors again.
    pub(super) unsupported_data: Vec<String>,
}

/// A block's `i`th label, as written.
pub(super) fn label(block: &Block, i: usize) -> Option<&str> {
    block.labels.get(i).map(|l| match l {
        BlockLabel::Ident(ident) => ident.as_str(),
        BlockLabel::String(s) => s.as_str(),
    })
}

impl<'a> Reader<'a> {
    /// A reader of `source`, whose `path.root` and `path.cwd` are the context's.
    pub(super) fn new(source: &'a str, ctx: &RenderContext) -> Self {
        Reader {
            description: None,
            min_packer_version: None,
            source,
            lines: line_starts(source),
            out: Vec::new(),
            amis: BTreeMap::new(),
            paths: (ctx.template_dir.clone(), ctx.working_dir.clone()),
            fields: Vec::new(),
            builder_names: Vec::new(),
            build_label: String::new(),
            failed: Vec::new(),
            failed_locals: Vec::new(),
            unsupported_data: Vec::new(),
        }
    }

    /// The position of a byte offset, as a value no JSON string walk applies to.
    pub(super) fn position(&self, offset: usize) -> Position {
        Position {
            offset: self.source.len(),
            ..Position::of_offset(self.source, &self.lines, offset)
        }
    }

    /// The position where a span starts (the file's start without one).
    pub(super) fn at(&self, span: Option<std::ops::Range<usize>>) -> Position {
        self.position(span.map_or(0, |s| s.start))
    }

    /// Reports an error; the caller may add help to it.
    pub(super) fn error(
        &mut self,
        code: Code,
        at: Position,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.out.push(Diagnostic::error(code, at, field, message));
        self.out.last_mut().expect("just pushed")
    }
}
