//! `dexpc eval` on Parquet and Arrow IPC files, end to end through the binary: the golden
//! corpus as Parquet agrees with NDJSON eval, bad rows are reported per row with their paths
//! while every other row is decided, exit codes and the closing count, and
//! `dexpc inspect --arrow-schema`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "support/columnar.rs"]
mod support;

use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use support::{batches, write_parquet, write_parquet_with, write_parquet_without_page_index};

const POLICY: &str = "policies/defender_experts.dexp";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn dexpc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dexpc")).args(args).current_dir(repo()).output().expect("dexpc runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dexp-columnar-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn input_schema() -> SchemaRef {
    support::input_schema(POLICY)
}

fn representable(schema: &SchemaRef, text: &str) -> Vec<String> {
    support::representable(POLICY, schema, text)
}

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap().map(Result::unwrap).collect()
}

/// Decision batches as JSON objects, one per row, with nulls written out.
fn rows(batches: &[RecordBatch]) -> Vec<serde_json::Map<String, Value>> {
    let mut writer = arrow_json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, arrow_json::writer::LineDelimited>(Vec::new());
    for b in batches {
        writer.write(b).unwrap();
    }
    writer.finish().unwrap();
    json_lines(&String::from_utf8(writer.into_inner()).unwrap())
        .into_iter()
        .map(|v| match v {
            Value::Object(m) => m,
            other => panic!("{other}"),
        })
        .collect()
}

/// Compares an NDJSON decision or error line with the same record's line from the NDJSON path.
fn same_outcome(got: &Value, want: &Value, what: &str) {
    match want.get("error") {
        None => assert_eq!(got, want, "{what}"),
        Some(error) => {
            assert_eq!(got["line"], want["line"], "{what}");
            assert_eq!(got.get("tenant_id"), want.get("tenant_id"), "{what}");
            assert_eq!(got["error"]["path"], error["path"], "{what}");
            if error["message"] == "missing field" {
                // A missing JSON field is a null in a column.
                assert!(got["error"]["message"].as_str().unwrap().ends_with("found null"), "{what}: {got}");
            } else {
                assert_eq!(got["error"]["message"], error["message"], "{what}");
            }
        }
    }
}

#[test]
fn the_golden_corpus_as_parquet_decides_as_ndjson_eval_does() {
    let dir = scratch("golden");
    let schema = input_schema();
    let text = std::fs::read_to_string(repo().join("tests/golden/corpus-tenants.ndjson")).unwrap();
    let lines = representable(&schema, &text);
    assert!(lines.len() > 2900, "{} representable records", lines.len());
    let ndjson = dir.join("tenants.ndjson");
    std::fs::write(&ndjson, lines.join("\n") + "\n").unwrap();
    let parquet = dir.join("tenants.parquet");
    write_parquet(&parquet, &batches(&schema, &lines));

    let reference = dexpc(&["eval", POLICY, ndjson.to_str().unwrap(), "--jobs", "1"]);
    assert_eq!(reference.status.code(), Some(1), "the corpus has rejected records");
    let want = json_lines(&String::from_utf8(reference.stdout).unwrap());
    let rejected = want.iter().filter(|v| v.get("error").is_some()).count();
    let count = format!("{} record(s): {} decided, {rejected} rejected", want.len(), want.len() - rejected);
    assert!(String::from_utf8_lossy(&reference.stderr).contains(&count));

    for jobs in ["1", "2"] {
        let out_ndjson = dir.join(format!("decisions-{jobs}.ndjson"));
        let out =
            dexpc(&["eval", POLICY, parquet.to_str().unwrap(), "-o", out_ndjson.to_str().unwrap(), "--jobs", jobs]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(&count), "{stderr}");
        let got = json_lines(&std::fs::read_to_string(&out_ndjson).unwrap());
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            same_outcome(g, w, &format!("row {} (--jobs {jobs})", i + 1));
        }

        // Parquet out: the same decisions, column by column.
        let out_parquet = dir.join(format!("decisions-{jobs}.parquet"));
        let out =
            dexpc(&["eval", POLICY, parquet.to_str().unwrap(), "-o", out_parquet.to_str().unwrap(), "--jobs", jobs]);
        assert_eq!(out.status.code(), Some(1));
        let decided = rows(&read_parquet(&out_parquet));
        assert_eq!(decided.len(), want.len());
        for (i, (mut row, w)) in decided.into_iter().zip(&want).enumerate() {
            let error = row.remove("error").unwrap();
            match w.get("error") {
                None => {
                    assert_eq!(error, Value::Null);
                    assert_eq!(&Value::Object(row), w, "row {}", i + 1);
                }
                Some(e) => {
                    assert_eq!(error["path"], e["path"], "row {}", i + 1);
                    assert_eq!(row["tenant_id"], w["tenant_id"], "row {}", i + 1);
                    assert_eq!(row["xdr"], Value::Null);
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// The number of rows in each row group of a Parquet file.
fn row_group_rows(path: &Path) -> Vec<i64> {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    builder.metadata().row_groups().iter().map(|g| g.num_rows()).collect()
}

#[test]
fn parquet_output_is_written_in_whole_row_groups_whatever_the_jobs_or_the_input() {
    // 45,000 tenants: more than two batches of 16,384 rows.
    let dir = scratch("row-groups");
    let schema = input_schema();
    let text = std::fs::read_to_string(repo().join("tests/golden/corpus-tenants.ndjson")).unwrap();
    let lines: Vec<String> = representable(&schema, &text).into_iter().cycle().take(45_000).collect();
    let (ndjson, parquet, arrow) = (dir.join("in.ndjson"), dir.join("in.parquet"), dir.join("in.arrow"));
    std::fs::write(&ndjson, lines.join("\n") + "\n").unwrap();
    let input = batches(&schema, &lines);
    write_parquet(&parquet, &input);
    support::write_arrow(&arrow, &input);
    let eval = |input: &Path, out: &str, jobs: &str| {
        let out = dir.join(out);
        dexpc(&["eval", POLICY, input.to_str().unwrap(), "-o", out.to_str().unwrap(), "--jobs", jobs]);
        out
    };
    // From Parquet, the workers encode each batch as a row group: the same bytes on 1 or 2.
    let one = eval(&parquet, "1.parquet", "1");
    let two = eval(&parquet, "2.parquet", "2");
    assert_eq!(row_group_rows(&one), [16_384, 16_384, 12_232]);
    assert!(std::fs::read(&one).unwrap() == std::fs::read(&two).unwrap(), "--jobs changed the file");
    let want = rows(&read_parquet(&one));
    assert_eq!(want.len(), 45_000);
    // From NDJSON and from an Arrow IPC file of 700-row batches, the writer gathers the
    // decisions into row groups of at least 16,384 rows.
    for (input, out) in [(&ndjson, "ndjson.parquet"), (&arrow, "arrow.parquet")] {
        let written = eval(input, out, "2");
        let groups = row_group_rows(&written);
        assert!(groups.len() > 1, "{out}: {groups:?}");
        assert!(groups[..groups.len() - 1].iter().all(|&n| n >= 16_384), "{out}: {groups:?}");
        let got = rows(&read_parquet(&written));
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            // A field missing from JSON is a null in Arrow: the same path, another message.
            if w["error"].is_null() {
                assert_eq!(g, w, "{out}: row {}", i + 1);
            } else {
                assert_eq!(g["error"]["path"], w["error"]["path"], "{out}: row {}", i + 1);
                assert_eq!(g["tenant_id"], w["tenant_id"], "{out}: row {}", i + 1);
            }
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_rows_are_reported_with_their_paths_and_the_rest_decided() {
    let dir = scratch("bad");
    let schema = input_schema();
    let text = std::fs::read_to_string(repo().join("policies/examples/tenants.ndjson")).unwrap();
    let lines: Vec<String> = text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect();
    let good = batches(&schema, &lines).remove(0);
    let n = good.num_rows();
    // Row 2: no `as_of`; row 4: an unknown cloud; and `users.total`... replaced below.
    let mut columns: Vec<ArrayRef> = good.columns().to_vec();
    let as_of = schema.index_of("as_of").unwrap();
    let cloud = schema.index_of("cloud").unwrap();
    let mask: Vec<bool> = (0..n).map(|i| i != 1).collect();
    columns[as_of] = arrow_select_nullify(&columns[as_of], &mask);
    let clouds: Vec<String> = (0..n).map(|i| if i == 3 { "moon".into() } else { "commercial".into() }).collect();
    columns[cloud] = Arc::new(StringArray::from(clouds));
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let parquet = dir.join("bad.parquet");
    write_parquet(&parquet, std::slice::from_ref(&batch));
    let out = dexpc(&["eval", POLICY, parquet.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{n} record(s): {} decided, 2 rejected", n - 2)), "{stderr}");
    let got = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(got.len(), n);
    assert_eq!(got[1]["line"], 2);
    assert_eq!(got[1]["error"]["path"], "as_of");
    assert_eq!(got[1]["error"]["message"], "expected date (YYYY-MM-DD), found null");
    assert_eq!(got[1]["tenant_id"], lines_key(&lines[1]));
    assert_eq!(got[3]["error"]["path"], "cloud");
    assert!(got[3]["error"]["message"].as_str().unwrap().starts_with("unknown value \"moon\""));
    for (i, row) in got.iter().enumerate() {
        if i != 1 && i != 3 {
            assert!(row.get("error").is_none() && row.get("xdr").is_some(), "row {i} is decided: {row}");
        }
    }

    // A column of the wrong type fails every row with its path; nothing else is lost.
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns = batch.columns().to_vec();
    fields[as_of] = Field::new("as_of", DataType::Int64, true);
    columns[as_of] = Arc::new(Int64Array::from(vec![20_000; n]));
    let wrong = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    let arrow_file = dir.join("wrong.arrow");
    let mut writer =
        arrow_ipc::writer::FileWriter::try_new(std::fs::File::create(&arrow_file).unwrap(), &wrong.schema()).unwrap();
    writer.write(&wrong).unwrap();
    writer.finish().unwrap();
    let out_file = dir.join("wrong-decisions.arrow");
    let out = dexpc(&["eval", POLICY, arrow_file.to_str().unwrap(), "-o", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("{n} record(s): 0 decided, {n} rejected")));
    let reader = arrow_ipc::reader::FileReader::try_new(std::fs::File::open(&out_file).unwrap(), None).unwrap();
    let decided = rows(&reader.map(Result::unwrap).collect::<Vec<_>>());
    assert_eq!(decided.len(), n);
    for row in &decided {
        assert_eq!(row["error"]["path"], "as_of");
        assert_eq!(row["error"]["message"], "expected date (YYYY-MM-DD), found Arrow type Int64");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn ndjson_input_can_be_written_as_parquet_and_good_input_exits_0() {
    let dir = scratch("ndjson");
    let out_file = dir.join("decisions.parquet");
    let out = dexpc(&["eval", POLICY, "policies/examples/tenants.ndjson", "-o", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("17 record(s): 17 decided, 0 rejected"));
    let got = rows(&read_parquet(&out_file));
    let want = json_lines(&std::fs::read_to_string(repo().join("policies/examples/decisions.ndjson")).unwrap());
    assert_eq!(got.len(), want.len());
    for (mut g, w) in got.into_iter().zip(&want) {
        assert_eq!(g.remove("error"), Some(Value::Null));
        assert_eq!(&Value::Object(g), w);
    }
    // Back through Parquet input with NDJSON output: the contract's decisions, byte for byte.
    let out = dexpc(&["eval", POLICY, out_file.to_str().unwrap(), "--output-format", "ndjson"]);
    assert_eq!(out.status.code(), Some(1), "decisions are not tenants");
    let _ = std::fs::remove_dir_all(dir);
}

/// The codec of every column chunk of a Parquet file (the file records the codec, not its level).
fn codecs(path: &Path) -> Vec<std::mem::Discriminant<Compression>> {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let metadata = builder.metadata();
    metadata
        .row_groups()
        .iter()
        .flat_map(|g| g.columns().iter().map(|c| std::mem::discriminant(&c.compression())))
        .collect()
}

#[test]
fn parquet_in_every_codec_is_read_and_written_with_the_codec_asked_for() {
    use parquet::basic::{BrotliLevel, GzipLevel, ZstdLevel};
    let dir = scratch("codecs");
    let schema = input_schema();
    let text = std::fs::read_to_string(repo().join("tests/golden/corpus-tenants.ndjson")).unwrap();
    let lines: Vec<String> = representable(&schema, &text).into_iter().take(1500).collect();
    let plain = dir.join("plain.parquet");
    write_parquet(&plain, &batches(&schema, &lines));
    let reference = dexpc(&["eval", POLICY, plain.to_str().unwrap(), "--jobs", "1"]);
    assert_eq!(reference.status.code(), Some(1), "the corpus has rejected records");
    assert!(reference.stdout.len() > 100_000);

    let codecs_in = [
        ("snappy", Compression::SNAPPY),
        ("zstd", Compression::ZSTD(ZstdLevel::try_new(3).unwrap())),
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("lz4", Compression::LZ4_RAW),
        ("lz4-hadoop", Compression::LZ4),
        ("brotli", Compression::BROTLI(BrotliLevel::default())),
    ];
    // Without a page index (pyarrow's default) the file is read by two column readers.
    let plain_no_index = dir.join("no-index.parquet");
    write_parquet_without_page_index(&plain_no_index, &batches(&schema, &lines));
    for jobs in ["1", "2"] {
        let out = dexpc(&["eval", POLICY, plain_no_index.to_str().unwrap(), "--jobs", jobs]);
        assert_eq!(out.stdout, reference.stdout, "a file without a page index, --jobs {jobs}");
    }
    for (name, codec) in codecs_in {
        let input = dir.join(format!("in-{name}.parquet"));
        write_parquet_with(&input, &batches(&schema, &lines), codec);
        assert!(codecs(&input).iter().all(|c| *c == std::mem::discriminant(&codec)), "{name}: {:?}", codecs(&input));
        let out = dexpc(&["eval", POLICY, input.to_str().unwrap(), "--jobs", "2"]);
        assert_eq!(out.stdout, reference.stdout, "{name} input decides as uncompressed input");
    }

    let asked = [
        ("none", Compression::UNCOMPRESSED),
        ("snappy", Compression::SNAPPY),
        ("zstd", Compression::ZSTD(ZstdLevel::try_new(3).unwrap())),
        ("zstd:19", Compression::ZSTD(ZstdLevel::try_new(19).unwrap())),
        ("GZIP:9", Compression::GZIP(GzipLevel::try_new(9).unwrap())),
        ("lz4", Compression::LZ4_RAW),
        ("brotli:1", Compression::BROTLI(BrotliLevel::try_new(1).unwrap())),
    ];
    let mut decided = Vec::new();
    for (flag, codec) in asked {
        let output = dir.join(format!("out-{}.parquet", flag.replace(':', "-")));
        let out =
            dexpc(&["eval", POLICY, plain.to_str().unwrap(), "-o", output.to_str().unwrap(), "--compression", flag]);
        assert_eq!(out.status.code(), Some(1), "{flag}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(codecs(&output).iter().all(|c| *c == std::mem::discriminant(&codec)), "{flag}: {:?}", codecs(&output));
        decided.push(rows(&read_parquet(&output)));
    }
    assert!(decided.iter().all(|d| d == &decided[0] && d.len() == lines.len()), "every codec holds the same decisions");
    let default = dir.join("out-default.parquet");
    assert_eq!(
        dexpc(&["eval", POLICY, plain.to_str().unwrap(), "-o", default.to_str().unwrap()]).status.code(),
        Some(1)
    );
    assert!(codecs(&default).iter().all(|c| *c == std::mem::discriminant(&Compression::SNAPPY)), "Snappy by default");

    for (args, message) in [
        (vec!["--compression", "lzo"], "unknown codec `lzo`"),
        (vec!["--compression", "zstd:99"], "the zstd level is 1 to 22, not 99"),
        (vec!["--compression", "snappy:2"], "`snappy` takes no level"),
        (vec!["--compression", "gzip:x"], "the level `x` is not a whole number"),
        (vec!["--compression", "zstd", "--output-format", "ndjson"], "--compression applies to Parquet output only"),
        (vec!["--compression", "zstd", "-o", "x.arrow"], "the output is Arrow IPC"),
    ] {
        let mut all = vec!["eval", POLICY, plain.to_str().unwrap()];
        all.extend(args.iter().copied());
        let out = dexpc(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert!(!repo().join("x.arrow").exists(), "a refused command writes nothing");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn maps_go_through_parquet_as_through_ndjson() {
    const MAPS: &str = "tests/policies/maps.dexp";
    let dir = scratch("maps");
    let tenant = |id: &str, seats: &str, plans: &str, labels: &str| {
        format!(
            r#"{{"id":"{id}","sku":"E5","seats":{seats},"plans":{plans},"flags":{{"zz":true,"a":false}},"labels":{labels},"products":[{{"name":"p","quotas":{{"b":1,"a":2}}}}],"nested":{{"x":{{"b":1,"a":2}}}}}}"#
        )
    };
    let plan = r#"{"tier":"premium","seats":3,"renews":"2026-01-31","tags":["x"]}"#;
    let lines = [
        tenant("t1", r#"{"E5":3,"a":1,"E3":2}"#, &format!(r#"{{"E5":{plan},"E3":{plan}}}"#), r#"{"E5":"five"}"#),
        tenant("t2", r#"{"a":1,"a":2}"#, "{}", "{}"),
        tenant("t3", "{}", "{}", r#"{"x":"abc"}"#),
        tenant("t4", r#"{"é":1,"e":2,"":3}"#, &format!(r#"{{"":{plan}}}"#), r#"{"":"none"}"#),
    ];
    let schema = support::input_schema(MAPS);
    assert_eq!(support::representable(MAPS, &schema, &lines.join("\n")).len(), lines.len());
    let ndjson = dir.join("in.ndjson");
    std::fs::write(&ndjson, lines.join("\n") + "\n").unwrap();
    let parquet = dir.join("in.parquet");
    let lines: Vec<String> = lines.to_vec();
    write_parquet(&parquet, &batches(&schema, &lines));

    let want = dexpc(&["eval", MAPS, ndjson.to_str().unwrap()]);
    assert_eq!(want.status.code(), Some(1), "t2 has a key twice: {}", String::from_utf8_lossy(&want.stderr));
    let want = json_lines(&String::from_utf8(want.stdout).unwrap());
    assert_eq!(want[1]["error"]["path"], r#"seats["a"]"#);
    assert!(want[0]["seats"].is_object() && want[0]["plans"]["E5"]["tier"] == "premium", "{}", want[0]);

    let got = dexpc(&["eval", MAPS, parquet.to_str().unwrap()]);
    assert_eq!(got.status.code(), Some(1), "{}", String::from_utf8_lossy(&got.stderr));
    let got = json_lines(&String::from_utf8(got.stdout).unwrap());
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        same_outcome(g, w, &format!("row {}", i + 1));
    }

    // Parquet out: maps are Arrow maps, in key order, holding the NDJSON path's entries.
    let out = dir.join("out.parquet");
    assert_eq!(dexpc(&["eval", MAPS, parquet.to_str().unwrap(), "-o", out.to_str().unwrap()]).status.code(), Some(1));
    let decided = read_parquet(&out);
    assert!(matches!(decided[0].schema().field_with_name("seats").unwrap().data_type(), DataType::Map(..)));
    let rows = rows(&decided);
    for (i, (mut row, w)) in rows.into_iter().zip(&want).enumerate() {
        let error = row.remove("error").unwrap();
        if w.get("error").is_none() {
            assert_eq!(error, Value::Null);
            assert_eq!(&Value::Object(row), w, "row {}", i + 1);
        }
    }
    let out = dexpc(&["inspect", "--arrow-schema", MAPS]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("  seats: map<utf8, int64>\n"), "{text}");
    assert!(text.contains("  plans: map<utf8, struct>\n    tier: utf8\n"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn decimals_go_through_parquet_exactly() {
    const POLICY: &str = "hosts/python/tests/policies/prices.dexp";
    let dir = scratch("decimals");
    let lines: Vec<String> = [
        r#"{"id":"a","price":19.99,"tax":0.1,"qty":3}"#,
        r#"{"id":"b","price":-0.000001,"qty":2}"#,
        r#"{"id":"c","price":9223372036854.775807,"qty":2}"#,
        r#"{"id":"d","price":1,"qty":0}"#,
    ]
    .iter()
    .map(|l| l.to_string())
    .collect();
    let ndjson = dir.join("in.ndjson");
    std::fs::write(&ndjson, lines.join("\n") + "\n").unwrap();
    let parquet = dir.join("in.parquet");
    write_parquet(&parquet, &batches(&support::input_schema(POLICY), &lines));
    let want = dexpc(&["eval", POLICY, ndjson.to_str().unwrap()]);
    assert_eq!(want.status.code(), Some(1), "c's total overflows");
    let got = dexpc(&["eval", POLICY, parquet.to_str().unwrap()]);
    assert_eq!(String::from_utf8(got.stdout).unwrap(), String::from_utf8(want.stdout).unwrap());
    let out = dir.join("out.parquet");
    assert_eq!(dexpc(&["eval", POLICY, parquet.to_str().unwrap(), "-o", out.to_str().unwrap()]).status.code(), Some(1));
    let decided = read_parquet(&out);
    let total = decided[0].column_by_name("total").unwrap();
    assert_eq!(total.data_type(), &DataType::Decimal128(19, 6));
    let total = total.as_any().downcast_ref::<arrow_array::Decimal128Array>().unwrap();
    assert_eq!(total.value_as_string(0), "60.070000");
    assert!(total.is_null(2), "the rejected row has no total");
    let text = String::from_utf8(dexpc(&["inspect", "--arrow-schema", POLICY]).stdout).unwrap();
    assert!(text.contains("  price: decimal128(19, 6)\n"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn inspect_prints_the_arrow_schemas() {
    let out = dexpc(&["inspect", "--arrow-schema", POLICY]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "input (Tenant):",
        "  tenant_id: utf8\n",
        "  as_of: date32\n",
        "  products: list<struct>\n",
        "    mode: utf8\n",
        "  billable_seats: int64, nullable\n",
        "  error: struct, nullable\n",
        "    path: utf8\n",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
}

fn lines_key(line: &str) -> Value {
    serde_json::from_str::<Value>(line).unwrap()["tenant_id"].clone()
}

/// `array` with the rows where `keep` is false set to null.
fn arrow_select_nullify(array: &ArrayRef, keep: &[bool]) -> ArrayRef {
    let data = array.to_data();
    let nulls = arrow_buffer::NullBuffer::from(keep.to_vec());
    let data = data.into_builder().nulls(Some(nulls)).build().unwrap();
    arrow_array::make_array(data)
}
