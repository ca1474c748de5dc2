//! Byte offsets to lines and UTF-16 columns and back, as the Language Server Protocol counts
//! positions by default.

/// The start of every line of a text, for position conversions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    text: String,
    /// Byte offset of the first character of each line.
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text: text.to_string(), starts }
    }

    /// The 0-based line and UTF-16 column of a byte offset (clamped to the text, and moved back
    /// to the start of a character it falls inside).
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column: usize = self.text.get(start..offset).map(|s| s.chars().map(char::len_utf16).sum()).unwrap_or(0);
        (line as u32, column as u32)
    }

    /// The byte offset of a 0-based line and UTF-16 column. A column past the end of its line
    /// gives the line's end; a line past the end gives the end of the text.
    pub fn offset(&self, line: u32, column: u32) -> usize {
        let Some(&start) = self.starts.get(line as usize) else {
            return self.text.len();
        };
        let end = self.starts.get(line as usize + 1).map(|e| e - 1).unwrap_or(self.text.len());
        let mut units = 0u32;
        for (i, c) in self.text.get(start..end).unwrap_or("").char_indices() {
            if units >= column {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        let text = "ab\n\u{e9}x\u{1F600}y\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), (0, 0));
        assert_eq!(index.position(3), (1, 0));
        // é is one UTF-16 unit, the emoji two.
        let y = text.find('y').unwrap_or(0);
        assert_eq!(index.position(y), (1, 4));
        assert_eq!(index.offset(1, 4), y);
        assert_eq!(index.offset(1, 99), text.len() - 1);
        assert_eq!(index.offset(9, 0), text.len());
    }
}
