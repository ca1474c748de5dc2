//! The encoder against the reference decoder: same records accepted, same values, same errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use crate::abi::Shape;
use crate::decode::Region;
use crate::json::{decode_input, write_value};
use crate::testing::{bad_lines, good_line, schema, Rng};

fn encoder() -> BatchEncoder {
    BatchEncoder::new(Arc::new(Shape::new(schema()).unwrap()))
}

/// Encodes `line` into `enc` and checks it against `decode_input`: on success the bytes read
/// back as the same value and write the same JSON; on failure the error is the same and the
/// batch is unchanged. Returns whether the line was accepted.
fn check_line(enc: &mut BatchEncoder, line: &str) -> bool {
    let shape = enc.shape().clone();
    let schema = shape.schema();
    let expected = decode_input(schema, line);
    let (len, records, vars) = (enc.len(), enc.records().len(), enc.vars().len());
    let got = enc.push_json(line);
    match (expected, got) {
        (Ok(value), Ok(())) => {
            assert_eq!(enc.len(), len + 1);
            let region = Region { fixed: enc.records(), vars: enc.vars() };
            let at = len * shape.layout().input_size as usize;
            let ty = Ty::Record(schema.input);
            assert_eq!(region.value(&shape, &ty, at).unwrap(), value, "line {line}");
            let mut want = String::new();
            write_value(&mut want, schema, &ty, &value);
            let mut have = String::new();
            region.write_json(&shape, &ty, at, &mut have).unwrap();
            assert_eq!(have, want);
            true
        }
        (Err(want), Err(have)) => {
            assert_eq!(have, want, "line {line:?}");
            assert_eq!((enc.len(), enc.records().len(), enc.vars().len()), (len, records, vars));
            false
        }
        (want, have) => panic!("line {line:?}: reference {want:?}, encoder {have:?}"),
    }
}

#[test]
fn good_lines_encode_to_the_reference_values() {
    let mut enc = encoder();
    for i in 0..300 {
        assert!(check_line(&mut enc, &good_line(i)), "line {i}");
    }
    assert_eq!(enc.len(), 300);
}

#[test]
fn bad_lines_give_the_reference_errors() {
    let mut enc = encoder();
    enc.push_json(&good_line(1)).unwrap();
    let mut rejected = 0;
    for line in bad_lines() {
        if !check_line(&mut enc, &line) {
            rejected += 1;
        }
    }
    // Nearly all are bad; a few prefixes are not, and the check above covers both kinds.
    assert!(rejected > 500, "{rejected}");
}

#[test]
fn mutated_lines_behave_like_the_reference() {
    let mut rng = Rng(42);
    let mut enc = encoder();
    let alphabet = b"{}[],:\"\\ 0123456789-.eEtrufalsn\x01v";
    let (mut good, mut bad) = (0, 0);
    for i in 0..4000 {
        let mut bytes = good_line(i % 50).into_bytes();
        for _ in 0..(1 + rng.next() % 3) {
            let at = (rng.next() as usize) % bytes.len();
            let c = alphabet[(rng.next() as usize) % alphabet.len()];
            match rng.next() % 3 {
                0 => bytes[at] = c,
                1 => bytes.insert(at, c),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        let Ok(line) = String::from_utf8(bytes) else {
            continue;
        };
        if check_line(&mut enc, &line) {
            good += 1;
        } else {
            bad += 1;
        }
        if enc.len() > 100 {
            enc.clear();
        }
    }
    assert!(good > 100 && bad > 1000, "{good} {bad}");
}

#[test]
fn error_paths_name_the_field() {
    let mut enc = encoder();
    let base = good_line(3);
    let line = base.replacen("\"mode\":\"passive\"", "\"mode\":\"semi\"", 2);
    let err = enc.push_json(&line).unwrap_err();
    assert_eq!(err.path, "items[1].mode");
    assert_eq!(err.message, "unknown value \"semi\", expected one of active, passive, off");
}

#[test]
fn list_elements_are_contiguous_and_aligned() {
    let mut enc = encoder();
    let line = good_line(3);
    enc.push_json(&line).unwrap();
    let shape = enc.shape().clone();
    let input = shape.layout().record(0).unwrap();
    let items = input.fields[11];
    let rec = enc.record(0).unwrap();
    let offset = u32::from_le_bytes(rec[items.offset as usize..][..4].try_into().unwrap());
    let count = u32::from_le_bytes(rec[items.offset as usize + 4..][..4].try_into().unwrap());
    assert_eq!(count, 3);
    let item = shape.layout().record(2).unwrap();
    assert_eq!(offset % item.align, 0);
    // The second item's name lies where its slot says, after the first item's strings.
    let name_at = offset as usize + item.size as usize + item.fields[0].offset as usize;
    let name_off = u32::from_le_bytes(enc.vars()[name_at..][..4].try_into().unwrap()) as usize;
    assert_eq!(&enc.vars()[name_off..name_off + 6], b"item-1");
}

#[test]
fn key_reads_the_key_field() {
    let mut enc = encoder();
    enc.push_json(&good_line(0)).unwrap();
    enc.push_json(&good_line(12)).unwrap();
    assert_eq!(enc.key(0), Some("rec-0 ✓"));
    assert_eq!(enc.key(1), Some("rec-12 ✓"));
    assert_eq!(enc.key(2), None);
    enc.clear();
    assert!(enc.is_empty() && enc.records().is_empty() && enc.vars().is_empty());
}
