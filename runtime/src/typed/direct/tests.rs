//! The direct codec's primitives: the writer's placement of variable bytes and its refusals
//! with their paths, and the slot reader's checks of guest bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use crate::testing;

fn shape() -> Shape {
    Shape::new(testing::schema()).unwrap()
}

#[test]
fn variable_bytes_are_placed_in_the_batch_offsets_and_aligned_there() {
    let mut buf = Vec::new();
    // The variable area already holds 5 bytes of earlier records.
    let mut w = Writer::new(&mut buf, 16, 5);
    w.string(0, "abc").unwrap();
    // Three elements of 8 bytes aligned to 8: after the string (offsets 5..8), at offset 8.
    let first = w.list(8, 3, 8, 8).unwrap();
    w.int(first + 8, -2);
    let (fixed, vars) = w.parts();
    assert_eq!(u64::from_le_bytes(fixed[0..8].try_into().unwrap()), (3 << 32) | 5);
    assert_eq!(u64::from_le_bytes(fixed[8..16].try_into().unwrap()), (3 << 32) | 8);
    assert_eq!(&vars[..3], b"abc");
    assert_eq!(vars.len(), 3 + 24);
    assert_eq!(i64::from_le_bytes(vars[11..19].try_into().unwrap()), -2);
    // An empty string and an empty list write nothing: their reference stays (0, 0).
    let mut buf = Vec::new();
    let mut w = Writer::new(&mut buf, 16, 0);
    w.string(0, "").unwrap();
    assert_eq!(w.list(8, 0, 8, 8).unwrap(), 0);
    assert_eq!(w.parts(), (&[0u8; 16][..], &[][..]));
}

#[test]
fn refusals_carry_the_json_messages_and_their_paths() {
    let mut buf = Vec::new();
    let mut w = Writer::new(&mut buf, 16, 0);
    let long = "x".repeat(json::MAX_STRING_BYTES + 1);
    let e = w.string(0, &long).unwrap_err().field("id").index(2).field("items").into_record_error();
    assert_eq!(e.path, "items[2].id");
    assert_eq!(e.message, json::string_too_long(long.len()));
    let e = w.list(0, json::MAX_LIST_ITEMS + 1, 1, 1).unwrap_err().field("tags").into_record_error();
    assert_eq!((e.path.as_str(), e.message), ("tags", json::list_too_long()));
    let e = w.map(0, json::MAX_LIST_ITEMS + 1, 16, 8).unwrap_err().into_record_error();
    assert_eq!(e.message, json::map_too_long());
    let e = w.key(0, &long).unwrap_err().key("a.b").field("prices").into_record_error();
    assert_eq!(e.path, r#"prices["a.b"]"#);
    assert_eq!(e.message, json::key_too_long(long.len()));
    // Past 4 GiB of variable bytes in the batch.
    let mut buf = Vec::new();
    let mut w = Writer::new(&mut buf, 16, u32::MAX as usize - 2);
    let e = w.string(0, "abcd").unwrap_err().into_record_error();
    assert!(e.message.contains("does not fit in a batch"), "{}", e.message);
    assert!(w.list(0, 1, 8, 8).is_err());
    assert_eq!(w.parts().1.len(), 0, "nothing was written");
}

#[test]
fn guest_bytes_are_checked_before_they_become_values() {
    let shape = shape();
    let fixed = {
        let mut b = vec![0u8; 64];
        b[0] = 2; // a bool byte that is neither 0 nor 1
        b[1] = 3; // variant 3 of an enum of 3
        b[2] = 1; // an optional that is present
        b[3] = 7; // an optional tag that is neither
        b[8..16].copy_from_slice(&(1u64 << 5).to_le_bytes()); // bit 5 of 5 codes
        b[16..24].copy_from_slice(&((4u64 << 32) | 30).to_le_bytes()); // a string past the area
        b[24..32].copy_from_slice(&((2u64 << 32) | 20).to_le_bytes()); // two elements from 20
        b[32..36].copy_from_slice(&(crate::date::MAX_DAY + 1).to_le_bytes());
        b[40..48].copy_from_slice(&(2u64 << 32).to_le_bytes()); // two map entries from 0
        b[48..56].copy_from_slice(&((3u64 << 32) | 12).to_le_bytes()); // "\xff\xfe\xfd"
        b
    };
    // Entries of 16 bytes: key references at 0 and 16, both "b" (not increasing).
    let mut vars = vec![0u8; 32];
    vars[0..8].copy_from_slice(&((1u64 << 32) | 8).to_le_bytes());
    vars[8] = b'b';
    vars[16..24].copy_from_slice(&((1u64 << 32) | 8).to_le_bytes());
    vars[12..15].copy_from_slice(&[0xff, 0xfe, 0xfd]);
    let region = Region { fixed: &fixed, vars: &vars };
    let mut r = SlotReader::new(region, &shape);
    let at = Loc::fixed;
    assert!(r.bool(at(0)).unwrap_err().0.contains("bool byte is 2"));
    // Enum 0 (`Mode`) has 3 variants, enum 1 (`Big`) 300, read from four bytes.
    assert_eq!(r.variant(at(1), 0).unwrap_err().0, "enum `Mode` has no variant 3");
    assert_eq!(r.variant(at(2), 0).unwrap(), 1);
    // Bytes 1..5 are 3, 1, 7, 0.
    assert_eq!(r.variant(at(1), 1).unwrap_err().0, "enum `Big` has no variant 459011");
    assert_eq!(r.variant(at(56), 1).unwrap(), 0);
    assert_eq!(r.optional(at(2), 8).unwrap().map(|l| l.at), Some(10));
    assert!(r.optional(at(3), 8).unwrap_err().0.contains("optional tag is 7"));
    // Group 0 (`G`) has 5 codes.
    assert_eq!(r.codes(at(8), 0).unwrap_err().0, "codes of `G` set bit 5 of 5");
    assert_eq!(r.codes(at(56), 0).unwrap(), 0);
    assert!(r.str(at(16)).unwrap_err().0.contains("outside"));
    assert!(r.list(at(24), 8).unwrap_err().0.contains("outside"));
    assert_eq!(r.list(at(24), 4).unwrap(), (20, 2));
    assert!(r.date(at(32)).unwrap_err().0.contains("out of range"));
    assert!(r.map(at(40), 16).unwrap_err().0.contains("increasing"));
    assert!(r.str(at(48)).unwrap_err().0.contains("UTF-8"));
    // A list that claims more elements than the area could hold is refused before anything
    // is allocated for it, even for elements of no size.
    let huge = [0u8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
    let mut r = SlotReader::new(Region { fixed: &huge, vars: &[] }, &shape);
    assert!(r.list(at(0), 0).unwrap_err().0.contains("more elements"));
    assert!(pick(&[1, 2, 3], 3).is_err());
    assert_eq!(pick(&[1, 2, 3], 2).unwrap(), 3);
    assert_eq!(codes(0b1010, &['a', 'b', 'c', 'd']), vec!['b', 'd']);
}

#[test]
fn dates_and_decimals_read_and_write_their_text() {
    let d: Date = "2024-02-29".parse().unwrap();
    assert_eq!(d.to_string(), "2024-02-29");
    assert_eq!(Date::from_ymd(2024, 2, 29), Some(d));
    assert!("2023-02-29".parse::<Date>().is_err());
    assert!(Date::from_days(crate::date::MAX_DAY + 1).is_none());
    assert_eq!(serde_json::to_string(&d).unwrap(), r#""2024-02-29""#);
    assert_eq!(serde_json::from_str::<Date>(r#""0001-01-01""#).unwrap().days(), crate::date::MIN_DAY);
    let x: Decimal = "19.99".parse().unwrap();
    assert_eq!(x.units(), 19_990_000);
    assert_eq!(serde_json::to_string(&x).unwrap(), r#""19.99""#);
    // Strings exactly; numbers through their shortest text.
    assert_eq!(serde_json::from_str::<Decimal>(r#""9223372036854.775807""#).unwrap().units(), i64::MAX);
    assert_eq!(serde_json::from_str::<Decimal>("19.99").unwrap(), x);
    assert_eq!(serde_json::from_str::<Decimal>("-3").unwrap().units(), -3_000_000);
    assert!(serde_json::from_str::<Decimal>(r#""1.0000001""#).is_err());
}

#[test]
fn the_fingerprint_follows_the_types_not_the_messages() {
    let a = shape();
    let mut schema = testing::schema();
    schema.groups[0].codes[0].message = "another message".into();
    assert_eq!(Shape::new(schema).unwrap().fingerprint(), a.fingerprint());
    let mut schema = testing::schema();
    schema.enums[0].variants.swap(0, 1);
    assert_ne!(Shape::new(schema).unwrap().fingerprint(), a.fingerprint());
    let mut schema = testing::schema();
    schema.records[1].fields[0].name = "renamed".into();
    assert_ne!(Shape::new(schema).unwrap().fingerprint(), a.fingerprint());
}
