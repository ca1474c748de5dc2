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
    fast_agrees(&shape, line);
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

/// Runs `line` through the fast reader alone and through the serde reader alone, each on an
/// encoder that already holds one record (so offsets and alignment padding are exercised),
/// and checks that whatever the fast reader takes, the serde reader takes with the same bytes
/// in both areas; when the fast reader gives up, its batch must be unchanged. Returns whether
/// the fast reader took the line.
fn fast_agrees(shape: &Arc<Shape>, line: &str) -> bool {
    let first = r#"{"id":"é","n":1,"ints":{"a":1},"tags":["x"]}"#;
    let (mut fast, mut serde) = (BatchEncoder::new(shape.clone()), BatchEncoder::new(shape.clone()));
    let _ = (fast.push_serde(first), serde.push_serde(first));
    let before = (fast.len(), fast.records().to_vec(), fast.vars().to_vec());
    let took = fast.push_fast(line);
    let result = serde.push_serde(line);
    if took {
        assert!(result.is_ok(), "the fast reader took {line:?}, the serde reader refused it: {result:?}");
        assert_eq!(fast.records(), serde.records(), "records of {line:?}");
        assert_eq!(fast.vars(), serde.vars(), "variable area of {line:?}");
        assert_eq!(fast.len(), serde.len());
    } else {
        assert_eq!((fast.len(), fast.records().to_vec(), fast.vars().to_vec()), before, "{line:?}");
    }
    took
}

#[test]
fn the_fast_reader_takes_good_lines_with_the_serde_readers_bytes() {
    let shape = encoder().shape().clone();
    for i in 0..300 {
        let line = good_line(i);
        assert!(fast_agrees(&shape, &line), "line {i}: {line}");
        // The same record with whitespace around every token.
        let spaced: String = line
            .chars()
            .flat_map(|c| match c {
                '{' | '}' | '[' | ']' | ',' | ':' => vec![' ', c, '\t', '\r', '\n'],
                c => vec![c],
            })
            .collect();
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) {
            // Only where the spacing stayed outside strings (the value is unchanged).
            if serde_json::from_str::<serde_json::Value>(&spaced).ok() == Some(value) {
                assert!(fast_agrees(&shape, &spaced), "line {i} spaced: {spaced}");
            }
        }
    }
}

#[test]
fn the_fast_reader_takes_ints_exactly_as_serde_json_reads_them() {
    let shape = encoder().shape().clone();
    let base = good_line(3);
    let n = |text: &str| base.replacen("\"n\":", &format!("\"n\":{text},\"x\":"), 1);
    for taken in ["0", "1", "-1", "9223372036854775807", "-9223372036854775808", "-12", "1234567890123"] {
        assert!(fast_agrees(&shape, &n(taken)), "{taken}");
    }
    let refused = [
        "-0",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "01",
        "-01",
        "1.0",
        "1e0",
        "1E+2",
        "-",
        "--1",
        "+1",
        "1.",
        "0x1",
        "\"1\"",
    ];
    for text in refused {
        assert!(!fast_agrees(&shape, &n(text)), "{text}");
        assert!(encoder().push_json(&n(text)).is_err(), "{text}");
    }
}

#[test]
fn the_fast_reader_decodes_escapes_and_leaves_lone_surrogates_to_serde() {
    let shape = encoder().shape().clone();
    let base = good_line(0);
    let id = |text: &str| base.replacen("\"id\":\"", &format!("\"id\":\"{text}"), 1);
    let unknown = |text: &str| base.replacen("\"unknown\":", &format!("\"unknown\":\"{text}\",\"u2\":"), 1);
    let escapes =
        [r#"\""#, r#"\\"#, r#"\/"#, r#"\b\f\n\r\t"#, r#"\u00e9\u0041"#, r#"\ud83d\ude00"#, r#"\u0000"#, r#"a\u2028b"#];
    for text in escapes {
        assert!(fast_agrees(&shape, &id(text)), "{text}");
        assert!(fast_agrees(&shape, &unknown(text)), "{text}");
    }
    // Lone surrogates: refused in a declared string, accepted when skipped, by the serde reader.
    for text in [r#"\ud83d"#, r#"\udc00"#, r#"\ud83dx"#, r#"\ud83d\u0041"#] {
        assert!(!fast_agrees(&shape, &id(text)), "{text}");
        assert!(!fast_agrees(&shape, &unknown(text)), "{text}");
        assert!(encoder().push_json(&id(text)).is_err());
        assert!(encoder().push_json(&unknown(text)).is_ok());
    }
    for text in [r#"\x"#, r#"\u12"#, r#"\u12g4"#, "\u{1}", r#"\ "#] {
        assert!(!fast_agrees(&shape, &id(text)), "{text}");
        assert!(!fast_agrees(&shape, &unknown(text)), "{text}");
    }
    // An escaped key names its field.
    assert!(fast_agrees(&shape, &base.replacen("\"mode\":", "\"m\\u006fde\":", 1)));
}

#[test]
fn the_fast_reader_skips_undeclared_values_and_leaves_deep_nesting_to_serde() {
    let shape = encoder().shape().clone();
    let base = good_line(1);
    let unknown = |text: &str| base.replacen("\"unknown\":", &format!("\"unknown\":{text},\"u2\":"), 1);
    let values = [
        "0",
        "-0",
        "1.5e-300",
        "-12.0E+7",
        "1e400",
        "true",
        "false",
        "null",
        "[]",
        "{}",
        "[1,[2,[3]]]",
        r#"{"a":{"b":[{"c":"d"}]},"e":[]}"#,
        r#""""#,
        r#"" \"\\ ""#,
    ];
    for text in values {
        assert!(fast_agrees(&shape, &unknown(text)), "{text}");
    }
    for text in ["01", "1.", "-", ".5", "tru", "nul", "[1,]", "{\"a\"}", "{\"a\":1,}", "[1 2]", "{1:2}", "'a'"] {
        assert!(!fast_agrees(&shape, &unknown(text)), "{text}");
    }
    for depth in [10, 50, 58, 59, 60, 61, 64, 100, 127, 128, 129, 200] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let took = fast_agrees(&shape, &unknown(&nested));
        assert_eq!(took, depth < 60, "{depth}");
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

/// A schema with maps of ints, of bools, of records and of maps, and a list of maps.
fn map_shape() -> Arc<Shape> {
    let schema: crate::schema::Schema = serde_json::from_str(
        r#"{"enums":[],"records":[
            {"name":"In","fields":[{"name":"id","ty":"string"},{"name":"ints","ty":{"map":"int"}},
             {"name":"flags","ty":{"map":"bool"}},{"name":"recs","ty":{"map":{"record":1}}},
             {"name":"deep","ty":{"map":{"map":"date"}}},{"name":"many","ty":{"list":{"map":"string"}}}]},
            {"name":"R","fields":[{"name":"n","ty":"int"},{"name":"s","ty":"string"}]}],
            "groups":[],"input":0,"output":0,"key":0}"#,
    )
    .unwrap();
    Arc::new(Shape::new(schema).unwrap())
}

/// Lines with maps: keys out of order, prefixes, escapes, non-ASCII, empty.
fn map_line(i: usize) -> String {
    let keys = ["b", "a", "", "ab", "é", "\\u00e9x", "A", "b\\\"q", "zz"];
    let n = i % keys.len();
    let pick = |k: usize| keys[(i * 7 + k * 5) % keys.len()];
    let mut seen = Vec::new();
    let mut ints = Vec::new();
    for k in 0..n {
        let key = pick(k);
        if !seen.contains(&key) {
            seen.push(key);
            ints.push(format!("\"{key}\":{}", k as i64 * 1_000_000_007 - 3));
        }
    }
    let ints = ints.join(",");
    format!(
        r#"{{"id":"r{i}","ints":{{{ints}}},"flags":{{"y":true,"x":false}},"recs":{{"q":{{"n":1,"s":"one"}},"p":{{"n":2,"s":"two"}}}},"deep":{{"k":{{"d2":"2026-01-02","d1":"2025-12-31"}},"j":{{}}}},"many":[{{"b":"x","a":"y"}},{{}}]}}"#
    )
}

#[test]
fn maps_encode_to_the_reference_values_with_sorted_entries() {
    let mut enc = BatchEncoder::new(map_shape());
    for i in 0..60 {
        assert!(check_line(&mut enc, &map_line(i)), "line {i}: {}", map_line(i));
    }
    // In the layout, the entries of `flags` (12 bytes each: a key and a bool, aligned to 4) are
    // sorted by key: `x` before `y`.
    let shape = enc.shape().clone();
    let flags = shape.layout().record(0).unwrap().fields[2];
    let rec = enc.record(0).unwrap();
    let at = flags.offset as usize;
    let offset = u32::from_le_bytes(rec[at..at + 4].try_into().unwrap()) as usize;
    let count = u32::from_le_bytes(rec[at + 4..at + 8].try_into().unwrap());
    assert_eq!((count, offset % 4), (2, 0));
    let entry = crate::abi::entry_layout(shape.layout().ty(&Ty::Bool).unwrap()).unwrap();
    assert_eq!((entry.size, entry.align), (12, 4));
    let key_at = |e: usize| u32::from_le_bytes(enc.vars()[offset + e * 12..][..4].try_into().unwrap()) as usize;
    assert_eq!(&enc.vars()[key_at(0)..key_at(0) + 1], b"x");
    assert_eq!(&enc.vars()[key_at(1)..key_at(1) + 1], b"y");
    assert_eq!(enc.vars()[offset + 8], 0, "x is false");
    assert_eq!(enc.vars()[offset + 12 + 8], 1, "y is true");
}

#[test]
fn map_errors_match_the_reference() {
    let mut enc = BatchEncoder::new(map_shape());
    let base = map_line(5);
    let cases = [
        (base.replace(r#""x":false"#, r#""y":false"#), "flags[\"y\"]", "duplicate key"),
        (base.replace(r#""x":false"#, r#""\u0079":false"#), "flags[\"y\"]", "duplicate key"),
        (base.replace(r#""p":{"n":2"#, r#""q":{"n":2"#), "recs[\"q\"]", "duplicate key"),
        (base.replace(r#""d1":"2025-12-31""#, r#""d1":"2025-02-30""#), "deep[\"k\"][\"d1\"]", ""),
        (base.replace(r#""a":"y""#, r#""b":"y""#), "many[0][\"b\"]", "duplicate key"),
        (base.replace(r#""s":"two""#, r#""s":2"#), "recs[\"p\"].s", "expected string, found number 2"),
        (base.replace(r#""flags":{"#, r#""flags":["#).replacen("},\"recs\"", "],\"recs\"", 1), "flags", ""),
        (base.replace(r#""x":false}"#, r#""x":false,"a":true,"x":1}"#), "flags[\"x\"]", "duplicate key"),
    ];
    for (line, path, message) in cases {
        assert!(!check_line(&mut enc, &line), "{line}");
        let err = enc.push_json(&line).unwrap_err();
        assert_eq!(err.path, path, "{line}");
        if !message.is_empty() {
            assert_eq!(err.message, message, "{line}");
        }
    }
    let many: Vec<String> = (0..=json::MAX_LIST_ITEMS).map(|k| format!("\"k{k}\":{k}")).collect();
    let line = base.replacen(r#""ints":{"#, &format!(r#""ints":{{{},"#, many.join(",")), 1);
    assert!(!check_line(&mut enc, &line));
    let err = enc.push_json(&line).unwrap_err();
    assert_eq!((err.path.as_str(), err.message.as_str()), ("ints", "map has more than the limit of 65536 entries"));
}

#[test]
fn mutated_map_lines_behave_like_the_reference() {
    let mut rng = Rng(7);
    let mut enc = BatchEncoder::new(map_shape());
    let alphabet = b"{}[],:\"\\ 0123456789abxy-";
    let (mut good, mut bad) = (0, 0);
    for i in 0..3000 {
        let mut bytes = map_line(i % 40).into_bytes();
        for _ in 0..(1 + rng.next() % 2) {
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
    assert!(good > 100 && bad > 500, "{good} {bad}");
}
