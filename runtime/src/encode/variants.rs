//! Finding an enum's variant by name (and comparing short names: [`same`]), for every enum value of every record that the JSON reader
//! and the Arrow encoder read: without a call to compare bytes, and for the enums policies
//! declare (a few short names) without a branch per variant, so that a column of values in no
//! particular order costs one hard-to-predict branch per value rather than one per variant.
//!
//! Each name becomes a [`Key`]: its length and two words of its bytes, read so that for names of
//! up to 16 bytes equal keys mean equal names. Longer names are compared in full once their
//! keys match.

/// A name's length and up to 16 of its bytes (see [`key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    len: usize,
    head: u64,
    tail: u64,
}

/// The key of `b`. Of 8 bytes or more: its first and last 8 bytes (overlapping below 16); of
/// 4 to 7: its first and last 4 bytes; of 1 to 3: its first, middle and last byte. With the
/// length, these cover every byte of a name of up to 16 bytes.
#[inline]
fn key(b: &[u8]) -> Key {
    let len = b.len();
    let (head, tail) = match (b.first_chunk::<8>(), b.last_chunk::<8>()) {
        (Some(h), Some(t)) => (u64::from_le_bytes(*h), u64::from_le_bytes(*t)),
        _ => match (b.first_chunk::<4>(), b.last_chunk::<4>()) {
            (Some(h), Some(t)) => (u64::from(u32::from_le_bytes(*h)) | u64::from(u32::from_le_bytes(*t)) << 32, 0),
            _ => {
                let at = |i: usize| u64::from(b.get(i).copied().unwrap_or(0));
                (at(0) | at(len / 2) << 8 | at(len.wrapping_sub(1)) << 16, 0)
            }
        },
    };
    Key { len, head, tail }
}

/// Whether `a` and `b` hold the same bytes: by their keys when they are at most 16 bytes long
/// (equal keys mean equal names there), else byte by byte.
#[inline]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && if a.len() <= 16 { key(a) == key(b) } else { a == b }
}

/// The most variants an enum may have for [`VariantIndex::find`] to compare every key without
/// stopping at the first match; larger enums stop at the first.
const SCAN_ALL: usize = 16;

/// One enum's variant names, ready to be found by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VariantIndex {
    keys: Vec<Key>,
    names: Vec<String>,
}

impl VariantIndex {
    /// The index of `names`, in their order.
    pub(crate) fn new(names: &[String]) -> VariantIndex {
        VariantIndex { keys: names.iter().map(|n| key(n.as_bytes())).collect(), names: names.to_vec() }
    }

    /// The position of the variant named `text`.
    #[inline]
    pub(crate) fn find(&self, text: &[u8]) -> Option<usize> {
        let k = key(text);
        if text.len() <= 16 && self.keys.len() <= SCAN_ALL {
            // Every key compared, the match kept: no branch per variant. Names are distinct, so
            // at most one key matches.
            let mut found = usize::MAX;
            for (i, v) in self.keys.iter().enumerate() {
                let same = (v.len == k.len) & (v.head == k.head) & (v.tail == k.tail);
                found = if same { i } else { found };
            }
            return (found != usize::MAX).then_some(found);
        }
        self.keys.iter().zip(&self.names).position(|(v, name)| *v == k && (text.len() <= 16 || name.as_bytes() == text))
    }

    /// The names, in the enum's order.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::VariantIndex;

    fn index(names: &[&str]) -> VariantIndex {
        VariantIndex::new(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn every_name_is_found_exactly_whatever_its_length() {
        let names = [
            "",
            "a",
            "ab",
            "abc",
            "off",
            "abcd",
            "passive",
            "gcc_high",
            "office365",
            "office365_p2",
            "office365_p3",
            "sixteen_bytes_16",
            "seventeen_bytes_1",
            "seventeen_bytes_2",
            "a_much_longer_name_with_many_bytes",
        ];
        let idx = index(&names);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(idx.find(name.as_bytes()), Some(i), "{name}");
        }
        // Each differs from a name in one byte, its length, or its middle only.
        for text in [
            "b",
            "ac",
            "abd",
            "aXc",
            "abce",
            "passivf",
            "pXssive",
            "gcc_higg",
            "office365_p4",
            "officeX65_p2",
            "sixteen_bytes_17",
            "sixteenXbytes_16",
            "seventeen_bytes_3",
            "seventeenXbytes_1",
            "passive\0",
            "a_much_longer_name_with_many_byteX",
            "a_much_longer_nameXwith_many_bytes",
            "offf",
        ] {
            assert_eq!(idx.find(text.as_bytes()), None, "{text:?}");
        }
    }

    #[test]
    fn same_compares_every_byte_of_every_length() {
        let text: Vec<u8> = (b'a'..=b'z').collect();
        for n in 0..=text.len() {
            let a = &text[..n];
            assert!(super::same(a, a), "{n}");
            assert!(!super::same(a, &text[..n.saturating_sub(1)]) || n == 0, "{n}");
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] = b'#';
                assert!(!super::same(a, &b), "{n}: byte {i}");
            }
        }
    }

    #[test]
    fn large_enums_are_found_too() {
        let names: Vec<String> = (0..300).map(|i| format!("v{i}")).collect();
        let idx = VariantIndex::new(&names);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(idx.find(name.as_bytes()), Some(i));
        }
        assert_eq!(idx.find(b"v300"), None);
    }
}
