//! Where the keys of a spec file are in its text.
//!
//! serde's errors know a position but not the key path; the conversion's errors know the key
//! path but not the position. A [`KeyIndex`], built only once loading has failed, answers
//! both ways, so every error names the key path and the line and column.
//!
//! Paths join keys with `.` and index lists with `[i]` (`arrays.X.shape[2]`), as the
//! conversion writes them. Offsets count bytes from 0; lines and columns count from 1, and
//! columns count bytes (as serde_json's do).

/// What one entry adds to its parent's path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// An object key or table key: `parent.key` (or `key` at the top).
    Key(String),
    /// A list item: `parent[i]`.
    Index(usize),
    /// A value without a key of its own (malformed JSON): its parent's path.
    Same,
}

/// The span of one key and its value (or of one list item) in the text, and its place in the
/// tree of keys.
///
/// Entries store one segment and their parent, never their whole path: a path is built only
/// for the one entry an error names, so a text with long keys or deep nesting costs memory in
/// proportion to its length, not to the sum of its paths.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    parent: Option<usize>,
    segment: Segment,
    /// Ancestors above this entry.
    depth: usize,
    /// The key's first byte (for a list item, the item's).
    start: usize,
    /// One past the value's last byte.
    end: usize,
}

/// The key paths of a spec file with their spans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeyIndex {
    entries: Vec<Entry>,
}

impl KeyIndex {
    /// Indexes JSON text. Malformed text is indexed up to where it breaks (an unclosed value
    /// runs to the end), so a syntax error still gets the path around it.
    pub(crate) fn json(text: &str) -> KeyIndex {
        JsonScanner::default().scan(text)
    }

    /// Indexes TOML text; empty when the text is not TOML (the parser's error then has the
    /// position, and no path is needed for a syntax error).
    pub(crate) fn toml(text: &str) -> KeyIndex {
        let Ok(root) = toml::de::DeTable::parse(text) else {
            return KeyIndex::default();
        };
        let mut index = KeyIndex::default();
        // An explicit stack: a file nested deeper than the call stack allows must not crash us.
        let mut pending = Vec::new();
        index.toml_table(None, root.get_ref(), &mut pending);
        while let Some((parent, value)) = pending.pop() {
            match value {
                toml::de::DeValue::Table(table) => {
                    index.toml_table(Some(parent), table, &mut pending);
                }
                toml::de::DeValue::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let span = item.span();
                        let entry =
                            index.push(Some(parent), Segment::Index(i), span.start, span.end);
                        pending.push((entry, item.get_ref()));
                    }
                }
                _ => {}
            }
        }
        index
    }

    /// Records the keys of `table` and queues their values.
    fn toml_table<'a, 'i>(
        &mut self,
        parent: Option<usize>,
        table: &'a toml::de::DeTable<'i>,
        pending: &mut Vec<(usize, &'a toml::de::DeValue<'i>)>,
    ) {
        for (key, value) in table {
            let (start, end) = (key.span().start, value.span().end.max(key.span().end));
            let segment = Segment::Key(key.get_ref().to_string());
            let entry = self.push(parent, segment, start, end);
            pending.push((entry, value.get_ref()));
        }
    }

    /// Adds an entry; returns its number.
    fn push(&mut self, parent: Option<usize>, segment: Segment, start: usize, end: usize) -> usize {
        let depth = parent.map_or(0, |p| self.entries[p].depth + 1);
        self.entries.push(Entry {
            parent,
            segment,
            depth,
            start,
            end,
        });
        self.entries.len() - 1
    }

    /// The path of entry `i` (`None`: the top), as the conversion writes paths.
    fn path(&self, i: Option<usize>) -> String {
        let mut chain = Vec::new();
        let mut at = i;
        while let Some(e) = at {
            chain.push(&self.entries[e].segment);
            at = self.entries[e].parent;
        }
        let mut path = String::new();
        for segment in chain.into_iter().rev() {
            match segment {
                Segment::Key(key) if path.is_empty() => path.push_str(key),
                Segment::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                Segment::Index(n) => path.push_str(&format!("[{n}]")),
                Segment::Same => {}
            }
        }
        path
    }

    /// Whether the path of entry `i` is `query`, compared from the end, so that the cost per
    /// entry is at most the query's length (plus keyless levels, which only malformed JSON
    /// has, at most [`MAX_DEPTH`]).
    fn path_is(&self, i: Option<usize>, query: &str) -> bool {
        let (mut at, mut rest) = (i, query);
        while let Some(e) = at {
            let entry = &self.entries[e];
            match &entry.segment {
                Segment::Key(key) => {
                    let Some(before) = rest.strip_suffix(key.as_str()) else {
                        return false;
                    };
                    if before.is_empty() {
                        // `key` alone: the levels above must add nothing.
                        return self.path(entry.parent).is_empty();
                    }
                    match before.strip_suffix('.') {
                        Some(prefix) if !prefix.is_empty() => rest = prefix,
                        _ => return false,
                    }
                }
                Segment::Index(n) => {
                    let item = format!("[{n}]");
                    let Some(prefix) = rest.strip_suffix(item.as_str()) else {
                        return false;
                    };
                    rest = prefix;
                }
                Segment::Same => {}
            }
            at = entry.parent;
        }
        rest.is_empty()
    }

    /// The innermost key path whose span contains `offset`.
    pub(crate) fn path_at(&self, offset: usize) -> Option<String> {
        let (i, _) = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.start <= offset && offset < e.end)
            .min_by_key(|(_, e)| (e.end - e.start, usize::MAX - e.depth))?;
        Some(self.path(Some(i)))
    }

    /// The offset of `path`'s key, or of the nearest enclosing key that is in the text.
    pub(crate) fn offset_of(&self, path: &str) -> Option<usize> {
        let mut path = path;
        loop {
            let found = (0..self.entries.len()).find(|&i| self.path_is(Some(i), path));
            if let Some(i) = found {
                return Some(self.entries[i].start);
            }
            path = &path[..path.rfind(['.', '['])?];
        }
    }
}

/// The line and column (both from 1; columns count bytes) of byte `offset` of `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let before = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |nl| nl + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.len() - line_start + 1;
    (crate::util::to_u64(line), crate::util::to_u64(column))
}

/// The byte offset of a 1-based line and column, clamped to the text.
pub(crate) fn offset_of_line_column(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(nl, _)| nl + 1)
    };
    line_start
        .saturating_add(column.saturating_sub(1))
        .min(text.len())
}

/// The deepest nesting whose values get a path (serde_json refuses deeper text anyway).
const MAX_DEPTH: usize = 128;

/// One open object or array.
#[derive(Debug)]
struct Frame {
    /// The container's entry, the parent of its items, whose end is set when it closes
    /// (none for the root and beyond [`MAX_DEPTH`]).
    entry: Option<usize>,
    is_object: bool,
    /// The next item's index (arrays).
    index: usize,
    /// The key read and its offset, waiting for its value (objects).
    key: Option<(String, usize)>,
    /// Whether the next string is a key (objects).
    expecting_key: bool,
}

/// A forgiving, iterative JSON tokenizer that records where keys and items are.
#[derive(Default)]
struct JsonScanner {
    index: KeyIndex,
    stack: Vec<Frame>,
}

impl JsonScanner {
    fn scan(mut self, text: &str) -> KeyIndex {
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | b':' => i += 1,
                b',' => {
                    if let Some(top) = self.stack.last_mut() {
                        top.index += 1;
                        top.key = None;
                        top.expecting_key = top.is_object;
                    }
                    i += 1;
                }
                b'{' | b'[' => {
                    let entry = self.begin_value(i);
                    self.stack.push(Frame {
                        entry,
                        is_object: b == b'{',
                        index: 0,
                        key: None,
                        expecting_key: b == b'{',
                    });
                    i += 1;
                }
                b'}' | b']' => {
                    if let Some(Frame {
                        entry: Some(entry), ..
                    }) = self.stack.pop()
                    {
                        self.index.entries[entry].end = i + 1;
                    }
                    i += 1;
                }
                b'"' => {
                    let end = string_end(bytes, i);
                    let top = self.stack.last_mut();
                    match top {
                        Some(top) if top.expecting_key => {
                            let raw = text.get(i..end).unwrap_or_default();
                            let key = serde_json::from_str::<String>(raw)
                                .unwrap_or_else(|_| raw.trim_matches('"').to_string());
                            top.key = Some((key, i));
                            top.expecting_key = false;
                        }
                        _ => self.scalar(i, end),
                    }
                    i = end;
                }
                _ => {
                    let end = bytes[i..]
                        .iter()
                        .position(|b| b",]}: \t\n\r\"".contains(b))
                        .map_or(bytes.len(), |n| i + n.max(1));
                    self.scalar(i, end);
                    i = end;
                }
            }
        }
        self.index
    }

    /// Records the value starting at `start` under its key or index; returns its entry.
    fn begin_value(&mut self, start: usize) -> Option<usize> {
        // Beyond serde_json's own nesting limit, where no valid spec reaches, values get no
        // entry.
        if self.stack.len() > MAX_DEPTH {
            return None;
        }
        let top = self.stack.last_mut()?;
        let parent = top.entry;
        let (segment, start) = if top.is_object {
            match top.key.take() {
                Some((key, key_start)) => (Segment::Key(key), key_start),
                None => (Segment::Same, start),
            }
        } else {
            (Segment::Index(top.index), start)
        };
        Some(self.index.push(parent, segment, start, usize::MAX))
    }

    fn scalar(&mut self, start: usize, end: usize) {
        if let Some(entry) = self.begin_value(start) {
            self.index.entries[entry].end = end;
        }
    }
}

/// One past the closing quote of the string opening at `start` (or the end of the text).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{
  "version": 1,
  "arrays": {
    "X": {"dtype": "f32", "shape": [3, {"min": 1}, "n"]},
    "y\u0031": {"dtype": ["i8", "i16"]}
  }
}"#;

    #[test]
    fn json_paths_and_offsets_agree() {
        let index = KeyIndex::json(JSON);
        let at = |needle: &str| JSON.find(needle).unwrap();
        assert_eq!(
            index.path_at(at("\"f32\"")).as_deref(),
            Some("arrays.X.dtype")
        );
        assert_eq!(
            index.path_at(at("\"min\"")).as_deref(),
            Some("arrays.X.shape[1].min")
        );
        assert_eq!(
            index.path_at(at("\"n\"")).as_deref(),
            Some("arrays.X.shape[2]")
        );
        assert_eq!(
            index.path_at(at("\"i16\"")).as_deref(),
            Some("arrays.y1.dtype[1]")
        );
        assert_eq!(index.path_at(0), None);
        assert_eq!(index.offset_of("arrays.X.shape"), Some(at("\"shape\"")));
        // A path the text does not have falls back to its nearest enclosing key.
        assert_eq!(index.offset_of("arrays.X.values.enum"), Some(at("\"X\"")));
        assert_eq!(line_column(JSON, at("\"shape\"")), (4, 27));
        assert_eq!(offset_of_line_column(JSON, 4, 27), at("\"shape\""));
    }

    #[test]
    fn malformed_json_is_indexed_up_to_the_break() {
        let text = r#"{"array": {"dtype": "f32", "shape": [1, 2"#;
        let index = KeyIndex::json(text);
        assert_eq!(
            index.path_at(text.len() - 1).as_deref(),
            Some("array.shape[1]")
        );
        assert_eq!(index.path_at(text.len()).as_deref(), Some("array.shape"));
    }

    #[test]
    fn deep_json_is_indexed_in_linear_time() {
        let text = format!("{{\"array\": {{\"shape\": {}", "[".repeat(1 << 20));
        let index = KeyIndex::json(&text);
        assert!(
            index.entries.len() <= MAX_DEPTH + 2,
            "{}",
            index.entries.len()
        );
        let deepest = index.path_at(text.len() - 1).unwrap();
        assert!(deepest.starts_with("array.shape[0][0]") && deepest.len() < 4 * MAX_DEPTH);
    }

    #[test]
    fn toml_paths_and_offsets_agree() {
        let text = "version = 1\n[arrays.X]\ndtype = \"f32\"\nshape = [3, \"n\"]\n[arrays.X.values]\nmin = 0\n";
        let index = KeyIndex::toml(text);
        let at = |needle: &str| text.find(needle).unwrap();
        assert_eq!(
            index.path_at(at("\"f32\"")).as_deref(),
            Some("arrays.X.dtype")
        );
        assert_eq!(
            index.path_at(at("\"n\"")).as_deref(),
            Some("arrays.X.shape[1]")
        );
        assert_eq!(
            index.path_at(at("min")).as_deref(),
            Some("arrays.X.values.min")
        );
        assert_eq!(index.offset_of("arrays.X.shape"), Some(at("shape")));
        assert_eq!(line_column(text, at("min")), (6, 1));
        assert_eq!(KeyIndex::toml("a = [").entries, []);
    }
}
