//! How a template is laid out as text: lines, indentation, and the items of a comma-separated
//! list (`[…]`, a JSON object's members) with the patches that insert, remove and reorder them
//! so that an insertion followed by the removal of the same item gives back the same bytes.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// Replace the bytes `start..end` of the source with `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patch {
    /// The first byte replaced (a byte offset into the source).
    pub start: usize,
    /// The byte after the last one replaced (`start` for a pure insertion).
    pub end: usize,
    /// What the bytes are replaced with.
    pub text: String,
}

/// The 1-based line and column (in characters) of a byte offset.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let start = line_start(text, offset);
    let line = text[..start].matches('\n').count() + 1;
    (line, text[start..offset].chars().count() + 1)
}

/// Where the line holding `offset` starts.
pub(super) fn line_start(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

/// Where the line after the one holding `offset` starts (the text's end on the last line).
pub(super) fn line_after(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// The indentation of the line holding `offset`.
pub(super) fn indent_of(text: &str, offset: usize) -> &str {
    let start = line_start(text, offset);
    let line = &text[start..];
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..width]
}

/// Whether only spaces come before `offset` on its line.
pub(super) fn starts_line(text: &str, offset: usize) -> bool {
    text[line_start(text, offset)..offset]
        .chars()
        .all(|c| c == ' ' || c == '\t')
}

/// Whether only spaces (and, in HCL2, a comment) come after `offset` on its line.
pub(super) fn ends_line(text: &str, offset: usize, comments: bool) -> bool {
    let rest = &text[offset..line_after(text, offset)];
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.is_empty()
        || rest.starts_with('\n')
        || rest.starts_with("\r\n")
        || (comments && (rest.starts_with('#') || rest.starts_with("//")))
}

/// One step of indentation in the file: the indentation of its first indented line, or two
/// spaces.
pub(super) fn indent_unit(text: &str) -> String {
    text.lines()
        .map(|line| &line[..line.len() - line.trim_start_matches([' ', '\t']).len()])
        .find(|indent| !indent.is_empty())
        .map_or_else(|| "  ".to_string(), str::to_string)
}

/// A bracketed list of items separated by commas, as written: a JSON array or object, an HCL2
/// list or one-line map.
pub(super) struct Items {
    /// The opening bracket.
    pub(super) open: usize,
    /// The closing bracket.
    pub(super) close: usize,
    /// Each item's bytes (for an object member, from its key to the end of its value).
    pub(super) items: Vec<Range<usize>>,
}

impl Items {
    /// Whether the items are written one a line.
    pub(super) fn multiline(&self, text: &str) -> bool {
        match self.items.first() {
            Some(first) => text[self.open..first.start].contains('\n'),
            None => text[self.open..self.close].contains('\n'),
        }
    }

    /// The indentation of an item's line (multi-line lists).
    pub(super) fn item_indent<'t>(&self, text: &'t str) -> &'t str {
        self.items
            .iter()
            .find(|item| starts_line(text, item.start))
            .map_or("", |item| indent_of(text, item.start))
    }

    /// What follows the comma between two items: a newline and the items' indentation, or the
    /// space written between them.
    pub(super) fn separator(&self, text: &str) -> String {
        if self.multiline(text) {
            return format!("\n{}", self.item_indent(text));
        }
        match self.items.as_slice() {
            [a, b, ..] => {
                let gap = &text[a.end..b.start];
                let after = gap.find(',').map_or(gap, |i| &gap[i + 1..]);
                after.to_string()
            }
            _ => " ".to_string(),
        }
    }

    /// Inserts `new` (item texts) so the first of them becomes item `at` (`at <= len`, the list
    /// not empty).
    pub(super) fn insert(&self, text: &str, at: usize, new: &[String]) -> Patch {
        let sep = self.separator(text);
        if at == 0 {
            let mut out = String::new();
            for item in new {
                out.push_str(item);
                out.push(',');
                out.push_str(&sep);
            }
            Patch {
                start: self.items[0].start,
                end: self.items[0].start,
                text: out,
            }
        } else {
            let mut out = String::new();
            for item in new {
                out.push(',');
                out.push_str(&sep);
                out.push_str(item);
            }
            let after = self.items[at - 1].end;
            Patch {
                start: after,
                end: after,
                text: out,
            }
        }
    }

    /// Removes the items `first..=last` (and the separators that go with them).
    pub(super) fn remove(&self, first: usize, last: usize) -> Patch {
        let (start, end) = if first > 0 {
            (self.items[first - 1].end, self.items[last].end)
        } else if last + 1 < self.items.len() {
            (self.items[first].start, self.items[last + 1].start)
        } else {
            (self.open + 1, self.close)
        };
        Patch {
            start,
            end,
            text: String::new(),
        }
    }

    /// Moves item `from` to index `to`: the items' texts change places, the separators stay.
    pub(super) fn move_item(&self, text: &str, from: usize, to: usize) -> Vec<Patch> {
        let mut order: Vec<usize> = (0..self.items.len()).collect();
        let item = order.remove(from);
        order.insert(to, item);
        order
            .iter()
            .enumerate()
            .filter(|(slot, item)| slot != *item)
            .map(|(slot, &item)| Patch {
                start: self.items[slot].start,
                end: self.items[slot].end,
                text: text[self.items[item].clone()].to_string(),
            })
            .collect()
    }
}

/// How to turn an old list into a new one with the fewest changed items: the items the two
/// share at the start and at the end stay; the ones between are changed in place pairwise, and
/// the rest removed or inserted.
pub(super) struct ListDiff {
    /// Pairs (old index, new index) to change in place.
    pub(super) changed: Vec<(usize, usize)>,
    /// Old items `first..=last` to remove.
    pub(super) removed: Option<(usize, usize)>,
    /// New items `first..=last` to insert at this old index.
    pub(super) inserted: Option<(usize, usize, usize)>,
}

impl ListDiff {
    /// The diff from `old` to `new`.
    pub(super) fn new<T: PartialEq>(old: &[T], new: &[T]) -> Self {
        let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        let max_suffix = old.len().min(new.len()) - prefix;
        let suffix = old
            .iter()
            .rev()
            .zip(new.iter().rev())
            .take(max_suffix)
            .take_while(|(a, b)| a == b)
            .count();
        let (old_mid, new_mid) = (old.len() - prefix - suffix, new.len() - prefix - suffix);
        let paired = old_mid.min(new_mid);
        let changed = (0..paired).map(|k| (prefix + k, prefix + k)).collect();
        let removed = (old_mid > paired).then(|| (prefix + paired, prefix + old_mid - 1));
        let inserted =
            (new_mid > paired).then(|| (prefix + paired, prefix + paired, prefix + new_mid - 1));
        ListDiff {
            changed,
            removed,
            inserted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_diff_keeps_the_shared_start_and_end() {
        let diff = ListDiff::new(&[1, 2, 3], &[1, 9, 3]);
        assert_eq!(diff.changed, vec![(1, 1)]);
        assert!(diff.removed.is_none() && diff.inserted.is_none());
        let diff = ListDiff::new(&[1, 2, 3], &[1, 2, 3, 4, 5]);
        assert_eq!(diff.inserted, Some((3, 3, 4)));
        let diff = ListDiff::new(&[1, 2, 3], &[3]);
        assert_eq!(diff.removed, Some((0, 1)));
        assert!(diff.changed.is_empty());
    }

    #[test]
    fn lines_and_columns_are_one_based() {
        assert_eq!(line_column("ab\ncé\nd", 6), (2, 3));
        assert_eq!(line_after("a\nb", 0), 2);
        assert_eq!(line_after("a\nb", 2), 3);
        assert_eq!(indent_unit("{\n\t\"a\": 1\n}"), "\t");
    }
}
