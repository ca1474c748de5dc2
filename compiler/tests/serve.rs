//! End-to-end tests of `dexpc serve`: the real binary on an ephemeral loopback port, driven by
//! a minimal HTTP client. Every endpoint and every refusal, decisions and batches against
//! `dexpc eval`, hot reload (watched, SIGHUP, admin) under concurrent load with broken
//! versions, limits, tokens, metrics, the decision log, graceful shutdown and TLS.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "serve/client.rs"]
mod client;

use client::{get, post_json, post_ndjson, request, wait_until, Server};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const POLICY: &str = "policies/defender_experts.dexp";
const DECIDE: &str = "/v1/policies/defender_experts/decide";
const BATCH: &str = "/v1/policies/defender_experts/batch";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dexp-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `dexpc eval ARGS` in the repository; its standard output.
fn eval(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_dexpc")).arg("eval").args(args).current_dir(repo()).output().unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn serve_reference(args: &[&str]) -> Server {
    let policy = repo().join(POLICY);
    let mut all = vec![policy.to_str().unwrap()];
    all.extend_from_slice(args);
    Server::start(&repo(), &all)
}

fn reference_hash() -> String {
    dexp_compiler::source_hash(&read(POLICY))
}

/// A small policy whose decisions carry `generation`, so each version is recognisable.
fn seats(generation: u32) -> String {
    format!(
        r#"policy seats version "1.{generation}.0"

enum Mode {{ active, passive, off }}
record Product {{ name: string, mode: Mode, licensed: bool }}
record Account {{ id: string, users: int, licensed_users: int, products: list of Product }}
record Verdict {{ id: string, eligible: bool, reasons: codes(eligibility), seats: int, generation: int }}

input Account key id

requirements eligibility {{
    unlicensed_users "every user must be licensed":
        licensed_users >= users
}}

let seats = users + count p in products where p.licensed

output Verdict {{ id: id, eligible: eligibility.ok, reasons: eligibility, seats: seats, generation: {generation} }}
"#
    )
}

/// A version that does not compile (an unknown name).
fn broken_seats(generation: u32) -> String {
    seats(generation).replace("licensed_users >= users", "licensed_users >= customers")
}

const ACCOUNT: &str =
    r#"{"id":"acme","users":10,"licensed_users":12,"products":[{"name":"a","mode":"active","licensed":true}]}"#;

/// Replaces a file the way deploy tools do: write a temporary file, rename it over.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn error_code(response: &client::Response) -> String {
    response.json()["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code: {}", response.text()))
        .to_string()
}

/// The value of a metric line (`name{labels} value`), 0 when absent.
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.parse().unwrap())
}

#[test]
fn decide_gives_the_contract_decisions_and_names_the_version() {
    let server = serve_reference(&[]);
    let hash = reference_hash();
    let tenants = read("policies/examples/tenants.ndjson");
    let expected: Vec<Value> =
        read("policies/examples/decisions.ndjson").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for (tenant, expected) in tenants.lines().zip(&expected) {
        let response = post_json(server.addr, DECIDE, tenant);
        assert_eq!(response.status, 200, "{}", response.text());
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.hash(), hash);
        let body = response.json();
        assert_eq!(body["hash"], hash.as_str());
        assert_eq!(body["policy"], "defender_experts");
        assert_eq!(body["version"], "1.0.0");
        assert_eq!(&body["decision"], expected);
    }
    // A pretty-printed record is the same record.
    let first: Value = serde_json::from_str(tenants.lines().next().unwrap()).unwrap();
    let pretty = serde_json::to_string_pretty(&first).unwrap();
    assert_eq!(post_json(server.addr, DECIDE, &pretty).json()["decision"], expected[0]);
}

#[test]
fn explain_matches_dexpc_eval_explain() {
    let server = serve_reference(&[]);
    let mut input = read("policies/examples/tenants.ndjson");
    input.push_str(&read("policies/examples/bad-tenants.ndjson"));
    let dir = scratch("explain");
    std::fs::write(dir.join("in.ndjson"), &input).unwrap();
    let expected = String::from_utf8(eval(&[POLICY, dir.join("in.ndjson").to_str().unwrap(), "--explain"])).unwrap();
    let mut explained = 0;
    for (tenant, line) in input.lines().filter(|l| !l.trim().is_empty()).zip(expected.lines()) {
        let response = post_json(server.addr, &format!("{DECIDE}?explain=true"), tenant);
        let wanted: Value = serde_json::from_str(line).unwrap();
        if wanted.get("error").is_some() {
            assert_eq!(response.status, 400);
            continue;
        }
        assert_eq!(response.status, 200, "{}", response.text());
        assert_eq!(response.json()["decision"], wanted);
        explained += usize::from(wanted.get("explain").is_some_and(|e| e.as_array().is_some_and(|a| !a.is_empty())));
    }
    assert!(explained > 0, "some decisions have explanations");
    // The batch endpoint explains too, byte for byte.
    let response = post_ndjson(server.addr, &format!("{BATCH}?explain=true"), input.as_bytes());
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), expected);
}

#[test]
fn batch_streams_exactly_the_bytes_of_dexpc_eval() {
    let server = serve_reference(&[]);
    // 3000 tenants (4 MB): several chunks, evaluated in parallel and written back in order.
    let corpus = std::fs::read(repo().join("tests/golden/corpus-tenants.ndjson")).unwrap();
    let response = post_ndjson(server.addr, BATCH, &corpus);
    assert_eq!(response.status, 200);
    assert!(response.complete);
    assert_eq!(response.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(response.header("transfer-encoding"), Some("chunked"), "the response is streamed");
    assert_eq!(response.hash(), reference_hash());
    assert!(response.body == eval(&[POLICY, "tests/golden/corpus-tenants.ndjson"]), "same bytes as dexpc eval");

    // Bad records, garbage, blank lines, CRLF and a last line without a line break.
    let good = read("policies/examples/tenants.ndjson").lines().next().unwrap().to_string();
    let mut body = read("policies/examples/bad-tenants.ndjson").into_bytes();
    body.extend_from_slice(format!("\r\nnot json\n\n{good}\r\n[1,2]\n").as_bytes());
    body.extend_from_slice(b"\xff\xfe\n");
    body.extend_from_slice(format!("{{\n{good}").as_bytes());
    let dir = scratch("batch");
    std::fs::write(dir.join("in.ndjson"), &body).unwrap();
    let expected = eval(&[POLICY, dir.join("in.ndjson").to_str().unwrap()]);
    let response = post_ndjson(server.addr, BATCH, &body);
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), String::from_utf8(expected.clone()).unwrap());

    // `first_line` shifts the line numbers of error objects, for a file sent in parts.
    let shifted = post_ndjson(server.addr, &format!("{BATCH}?first_line=101"), &body).text();
    let lines = |text: &str| -> Vec<Option<u64>> {
        text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap().get("line").and_then(Value::as_u64)).collect()
    };
    let plain = lines(&String::from_utf8(expected).unwrap());
    assert!(plain.iter().any(Option::is_some));
    assert_eq!(lines(&shifted), plain.iter().map(|l| l.map(|n| n + 100)).collect::<Vec<_>>());

    // An empty body is an empty answer.
    let empty = post_ndjson(server.addr, BATCH, b"");
    assert_eq!((empty.status, empty.body.len()), (200, 0));
}

#[test]
fn batch_tells_a_client_that_expects_100_continue_to_send_its_body() {
    // curl asks for `100 Continue` before a body over 1 MiB and waits up to a second for it;
    // a final answer sent before the body was read would leave it waiting.
    let server = serve_reference(&[]);
    let body = read("policies/examples/tenants.ndjson");
    let stream = client::connect(server.addr);
    let mut writer = stream.try_clone().unwrap();
    let head = format!(
        "POST {BATCH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    writer.write_all(head.as_bytes()).unwrap();
    let mut reader = BufReader::new(stream);
    let (status, _) = client::read_head(&mut reader);
    assert_eq!(status, 100, "the server asks for the body before it answers");
    writer.write_all(body.as_bytes()).unwrap();
    let response = client::read_response(&mut reader);
    assert_eq!(response.status, 200);
    assert_eq!(response.body, eval(&[POLICY, "policies/examples/tenants.ndjson"]));
}

#[test]
fn batch_answers_each_chunk_while_the_body_is_still_being_sent() {
    let server = serve_reference(&[]);
    let tenants = read("policies/examples/tenants.ndjson");
    let first = tenants.lines().next().unwrap();
    let stream = client::connect(server.addr);
    let mut writer = stream.try_clone().unwrap();
    let head = format!(
        "POST {BATCH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    writer.write_all(head.as_bytes()).unwrap();
    let send_chunk = |writer: &mut std::net::TcpStream, data: &str| {
        writer.write_all(format!("{:x}\r\n{data}\r\n", data.len()).as_bytes()).unwrap();
    };
    send_chunk(&mut writer, &format!("{first}\n"));
    let mut reader = BufReader::new(stream);
    let (status, _) = client::read_head(&mut reader);
    assert_eq!(status, 200);
    // The first decision arrives before the rest of the body is sent.
    let chunk = client::read_chunk(&mut reader).unwrap();
    let expected = String::from_utf8(eval(&[POLICY, "policies/examples/tenants.ndjson"])).unwrap();
    assert_eq!(String::from_utf8(chunk).unwrap(), format!("{}\n", expected.lines().next().unwrap()));
    for line in tenants.lines().skip(1) {
        send_chunk(&mut writer, &format!("{line}\n"));
    }
    writer.write_all(b"0\r\n\r\n").unwrap();
    let mut rest = Vec::new();
    while let Some(chunk) = client::read_chunk(&mut reader) {
        if chunk.is_empty() {
            break;
        }
        rest.extend_from_slice(&chunk);
    }
    let rest = String::from_utf8(rest).unwrap();
    assert_eq!(rest, expected.lines().skip(1).map(|l| format!("{l}\n")).collect::<String>());
}

#[test]
fn policies_health_and_readiness_describe_the_service() {
    let dir = scratch("describe");
    std::fs::write(dir.join("seats.dexp"), seats(3)).unwrap();
    let reference = repo().join(POLICY);
    let server = Server::start(&dir, &["seats.dexp", &format!("xdr={}", reference.display())]);
    assert_eq!(get(server.addr, "/healthz", &[]).json()["status"], "ok");
    assert_eq!(get(server.addr, "/readyz", &[]).json()["status"], "ready");
    let list = get(server.addr, "/v1/policies", &[]).json();
    let names: Vec<&str> = list["policies"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["seats", "xdr"]);
    let one = get(server.addr, "/v1/policies/seats", &[]);
    assert_eq!(one.status, 200);
    let info = one.json();
    assert_eq!(info["policy"], "seats");
    assert_eq!(info["version"], "1.3.0");
    assert_eq!(info["hash"], dexp_compiler::source_hash(&seats(3)).as_str());
    assert_eq!(one.hash(), info["hash"].as_str().unwrap());
    assert_eq!(info["input"], "Account");
    assert_eq!(info["output"], "Verdict");
    assert_eq!(info["key"], "id");
    assert_eq!(info["explain"], true);
    assert!(info["loaded_at"].as_str().unwrap().ends_with('Z'));
    assert!(info["schema"]["records"].is_array());
    let decided = post_json(
        server.addr,
        "/v1/policies/xdr/decide",
        read("policies/examples/tenants.ndjson").lines().next().unwrap(),
    );
    assert_eq!(decided.status, 200);
    assert_eq!(decided.hash(), reference_hash());
}

#[test]
fn every_refusal_has_its_status_and_a_stable_json_shape() {
    let dir = scratch("refusals");
    std::fs::write(dir.join("seats.dexp"), seats(1)).unwrap();
    let compiled = Command::new(env!("CARGO_BIN_EXE_dexpc"))
        .args(["compile", "seats.dexp", "-o", "module.wasm"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(compiled.status.success());
    let server =
        Server::start(&dir, &["seats.dexp", "module.wasm", "--max-body-bytes", "1000", "--max-batch-bytes", "5000"]);
    let hash = dexp_compiler::source_hash(&seats(1));
    let decide = "/v1/policies/seats/decide";
    let check = |response: client::Response, status: u16, code: &str| -> Value {
        assert_eq!(response.status, status, "{}", response.text());
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(error_code(&response), code);
        let body = response.json();
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
        body
    };

    // 400: a field of the wrong type, with its path, the record's key and the version.
    let bad = post_json(server.addr, decide, r#"{"id":"acme","users":"ten","licensed_users":1,"products":[]}"#);
    assert_eq!(bad.hash(), hash);
    let body = check(bad, 400, "bad_record");
    assert_eq!(body["error"]["path"], "users");
    assert_eq!(body["key"], "acme");
    assert_eq!(body["hash"], hash.as_str());
    check(post_json(server.addr, decide, "{\"id\": "), 400, "bad_record");
    check(post_json(server.addr, decide, "  "), 400, "bad_record");
    check(post_json(server.addr, &format!("{decide}?explain=maybe"), ACCOUNT), 400, "bad_request");
    check(post_json(server.addr, &format!("{decide}?verbose=1"), ACCOUNT), 400, "bad_request");
    check(post_json(server.addr, "/v1/policies/module/decide?explain=true", ACCOUNT), 400, "explain_unavailable");
    assert_eq!(post_json(server.addr, "/v1/policies/module/decide", ACCOUNT).status, 200);
    // 404: an unknown policy, an unknown endpoint.
    check(post_json(server.addr, "/v1/policies/nope/decide", ACCOUNT), 404, "unknown_policy");
    check(get(server.addr, "/v1/policies/nope", &[]), 404, "unknown_policy");
    check(get(server.addr, "/v2/anything", &[]), 404, "not_found");
    // Without --token-file there is no reload endpoint.
    check(request(server.addr, "POST", "/v1/admin/reload", &[], b""), 404, "not_found");
    // 405.
    check(get(server.addr, decide, &[]), 405, "method_not_allowed");
    // 413: a declared length over the limit, and a chunked body that grows past it.
    check(post_json(server.addr, decide, &format!("{{\"id\":\"{}\"}}", "x".repeat(2000))), 413, "payload_too_large");
    let chunked = request(
        server.addr,
        "POST",
        decide,
        &[("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
        format!("7d0\r\n{}\r\n0\r\n\r\n", "x".repeat(2000)).as_bytes(),
    );
    check(chunked, 413, "payload_too_large");
    check(post_ndjson(server.addr, "/v1/policies/seats/batch", &vec![b'\n'; 6000]), 413, "payload_too_large");
    // 415: no content type, the wrong one (JSON to batch, NDJSON to decide).
    check(request(server.addr, "POST", decide, &[], ACCOUNT.as_bytes()), 415, "unsupported_media_type");
    check(
        request(server.addr, "POST", decide, &[("Content-Type", "text/plain")], ACCOUNT.as_bytes()),
        415,
        "unsupported_media_type",
    );
    check(post_ndjson(server.addr, decide, ACCOUNT.as_bytes()), 415, "unsupported_media_type");
    check(post_json(server.addr, "/v1/policies/seats/batch", ACCOUNT), 415, "unsupported_media_type");
    let charset = request(
        server.addr,
        "POST",
        decide,
        &[("Content-Type", "application/json; charset=utf-8")],
        ACCOUNT.as_bytes(),
    );
    assert_eq!(charset.status, 200);
}

#[test]
fn records_over_their_budget_and_requests_over_capacity_are_refused() {
    // 422: a fuel budget no record can meet.
    let server = serve_reference(&["--fuel", "10"]);
    let tenant = read("policies/examples/tenants.ndjson").lines().next().unwrap().to_string();
    let response = post_json(server.addr, DECIDE, &tenant);
    assert_eq!(response.status, 422, "{}", response.text());
    assert_eq!(error_code(&response), "limit_exceeded");
    drop(server);

    // 429: one evaluation slot, held by a batch whose body is still arriving.
    let server = serve_reference(&["--max-concurrent", "1", "--queue-timeout-ms", "50"]);
    let stream = client::connect(server.addr);
    let mut writer = stream.try_clone().unwrap();
    let body = format!("{tenant}\n{tenant}\n");
    let head = format!(
        "POST {BATCH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    writer.write_all(head.as_bytes()).unwrap();
    writer.write_all(&body.as_bytes()[..tenant.len() + 1]).unwrap();
    let mut reader = BufReader::new(stream);
    assert_eq!(client::read_head(&mut reader).0, 200);
    let refused = post_json(server.addr, DECIDE, &tenant);
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(error_code(&refused), "overloaded");
    writer.write_all(&body.as_bytes()[tenant.len() + 1..]).unwrap();
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    assert_eq!(rest.matches("\"tenant_id\"").count(), 2, "{rest}");
    assert_eq!(post_json(server.addr, DECIDE, &tenant).status, 200, "the slot is free again");
    let metrics = get(server.addr, "/metrics", &[]).text();
    assert_eq!(metric(&metrics, "dexp_http_refusals_total{code=\"overloaded\"}"), 1.0);
}

#[test]
fn a_token_guards_everything_but_healthz() {
    let dir = scratch("token");
    std::fs::write(dir.join("seats.dexp"), seats(1)).unwrap();
    std::fs::write(dir.join("token"), "s3cret-token\n").unwrap();
    let server = Server::start(&dir, &["seats.dexp", "--token-file", "token"]);
    let good = [("Authorization", "Bearer s3cret-token")];
    let wrong = [("Authorization", "Bearer s3cret-tokeN")];
    assert_eq!(get(server.addr, "/healthz", &[]).status, 200);
    for path in ["/readyz", "/metrics", "/v1/policies", "/v1/policies/seats"] {
        let refused = get(server.addr, path, &[]);
        assert_eq!(refused.status, 401, "{path}");
        assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
        assert_eq!(error_code(&refused), "unauthorized");
        assert_eq!(get(server.addr, path, &wrong).status, 401, "{path}");
        assert_eq!(get(server.addr, path, &[("Authorization", "Basic czNjcmV0")]).status, 401, "{path}");
        assert_eq!(get(server.addr, path, &good).status, 200, "{path}");
    }
    let json = ("Content-Type", "application/json");
    let decide = "/v1/policies/seats/decide";
    assert_eq!(request(server.addr, "POST", decide, &[json], ACCOUNT.as_bytes()).status, 401);
    assert_eq!(request(server.addr, "POST", decide, &[json, wrong[0]], ACCOUNT.as_bytes()).status, 401);
    assert_eq!(request(server.addr, "POST", decide, &[json, good[0]], ACCOUNT.as_bytes()).status, 200);
    let ndjson = ("Content-Type", "application/x-ndjson");
    assert_eq!(request(server.addr, "POST", "/v1/policies/seats/batch", &[ndjson], ACCOUNT.as_bytes()).status, 401);
    assert_eq!(request(server.addr, "POST", "/v1/admin/reload", &[], b"").status, 401);
    let reloaded = request(server.addr, "POST", "/v1/admin/reload", &[good[0]], b"");
    assert_eq!(reloaded.status, 200);
    assert_eq!(reloaded.json()["policies"][0]["outcome"], "unchanged");
}

#[test]
fn sighup_and_the_admin_endpoint_reload_and_broken_versions_are_refused() {
    let dir = scratch("signals");
    let path = dir.join("seats.dexp");
    std::fs::write(&path, seats(1)).unwrap();
    std::fs::write(dir.join("token"), "t").unwrap();
    let auth = ("Authorization", "Bearer t");
    let server = Server::start(&dir, &["seats.dexp", "--watch-interval-ms", "0", "--token-file", "token"]);
    let decide = |server: &Server| {
        let r = request(
            server.addr,
            "POST",
            "/v1/policies/seats/decide",
            &[("Content-Type", "application/json"), auth],
            ACCOUNT.as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["decision"]["generation"].as_u64().unwrap()
    };
    assert_eq!(decide(&server), 1);
    replace(&path, &seats(2));
    assert_eq!(decide(&server), 1, "no watching with --watch-interval-ms 0");
    server.signal("HUP");
    wait_until("SIGHUP reloads", || decide(&server) == 2);

    replace(&path, &broken_seats(3));
    let refused = request(server.addr, "POST", "/v1/admin/reload", &[auth], b"");
    assert_eq!(refused.status, 422);
    let body = refused.json();
    assert_eq!(body["error"]["code"], "reload_failed");
    assert_eq!(body["policies"][0]["outcome"], "failed");
    assert!(body["policies"][0]["diagnostics"].as_str().unwrap().contains("customers"), "{body}");
    assert_eq!(body["policies"][0]["hash"], dexp_compiler::source_hash(&seats(2)).as_str());
    assert_eq!(decide(&server), 2, "the previous version keeps serving");
    // The log is read from the server's stderr by another thread, so it may lag the response.
    wait_until("the diagnostics are logged", || server.log().contains("policy version refused"));

    replace(&path, &seats(4));
    let reloaded = request(server.addr, "POST", "/v1/admin/reload", &[auth], b"");
    assert_eq!(reloaded.status, 200);
    assert_eq!(reloaded.json()["policies"][0]["outcome"], "reloaded");
    assert_eq!(decide(&server), 4);
    let metrics = request(server.addr, "GET", "/metrics", &[auth], b"").text();
    assert_eq!(metric(&metrics, "dexp_reloads_total{policy=\"seats\",result=\"success\"}"), 3.0);
    assert_eq!(metric(&metrics, "dexp_reloads_total{policy=\"seats\",result=\"failure\"}"), 1.0);
}

#[test]
fn not_ready_until_the_policy_loads() {
    let dir = scratch("not-ready");
    let path = dir.join("seats.dexp");
    std::fs::write(&path, broken_seats(1)).unwrap();
    let server = Server::start(&dir, &["seats.dexp", "--watch-interval-ms", "20"]);
    let readyz = get(server.addr, "/readyz", &[]);
    assert_eq!(readyz.status, 503);
    assert_eq!(error_code(&readyz), "not_ready");
    assert_eq!(readyz.json()["waiting"][0], "seats");
    let refused = post_json(server.addr, "/v1/policies/seats/decide", ACCOUNT);
    assert_eq!(refused.status, 503);
    assert_eq!(error_code(&refused), "not_ready");
    assert_eq!(post_ndjson(server.addr, "/v1/policies/seats/batch", ACCOUNT.as_bytes()).status, 503);
    assert_eq!(get(server.addr, "/healthz", &[]).status, 200, "alive while not ready");
    assert_eq!(get(server.addr, "/v1/policies", &[]).json()["policies"][0]["status"], "not_ready");
    replace(&path, &seats(1));
    wait_until("the fixed policy loads", || get(server.addr, "/readyz", &[]).status == 200);
    assert_eq!(post_json(server.addr, "/v1/policies/seats/decide", ACCOUNT).json()["decision"]["generation"], 1);
}

/// The issue's reload test: clients decide continuously (single records and batches) while
/// the file is replaced 20 times, every other time by a version that does not compile. No
/// request may fail, and every decision must come whole from one good version: the decision's
/// `generation` must be the one of the version its hash header names.
#[test]
fn reload_under_load_fails_no_request_and_never_mixes_versions() {
    let dir = scratch("reload-load");
    let path = dir.join("seats.dexp");
    std::fs::write(&path, seats(0)).unwrap();
    let server = Server::start(&dir, &["seats.dexp", "--watch-interval-ms", "10", "--queue-timeout-ms", "30000"]);
    let addr = server.addr;
    let generations: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    generations.lock().unwrap().insert(dexp_compiler::source_hash(&seats(0)), 0);
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicU64::new(0));
    let seen: Arc<Mutex<BTreeSet<u64>>> = Arc::default();
    let batch_body: String = (0..50).map(|i| ACCOUNT.replace("acme", &format!("t{i}")) + "\n").collect();
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut clients = Vec::new();
    for id in 0..4 {
        let (stop, requests, seen, generations, batch_body) =
            (stop.clone(), requests.clone(), seen.clone(), generations.clone(), batch_body.clone());
        clients.push(std::thread::spawn(move || {
            let mut made = 0u64;
            while !stop.load(Ordering::Relaxed) && made < 1_000_000 && Instant::now() < deadline {
                let batch = id == 3;
                let response = if batch {
                    post_ndjson(addr, "/v1/policies/seats/batch", batch_body.as_bytes())
                } else {
                    post_json(addr, "/v1/policies/seats/decide", ACCOUNT)
                };
                assert_eq!(response.status, 200, "{}", response.text());
                assert!(response.complete);
                let hash = response.hash().to_string();
                let expected =
                    *generations.lock().unwrap().get(&hash).unwrap_or_else(|| panic!("unknown version {hash}"));
                let decisions: Vec<Value> = if batch {
                    response.text().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
                } else {
                    let body = response.json();
                    assert_eq!(body["hash"], hash.as_str());
                    vec![body["decision"].clone()]
                };
                assert_eq!(decisions.len(), if batch { 50 } else { 1 });
                for decision in &decisions {
                    assert_eq!(decision["generation"], expected, "decided by the version the header names");
                }
                seen.lock().unwrap().insert(expected);
                requests.fetch_add(1, Ordering::Relaxed);
                made += 1;
            }
        }));
    }
    let failures = |server: &Server| {
        metric(&get(server.addr, "/metrics", &[]).text(), "dexp_reloads_total{policy=\"seats\",result=\"failure\"}")
    };
    for round in 1..=20u32 {
        let before = requests.load(Ordering::Relaxed);
        if round % 2 == 1 {
            let failed = failures(&server);
            replace(&path, &broken_seats(round));
            wait_until("the broken version is refused", || failures(&server) > failed);
        } else {
            let text = seats(round);
            let hash = dexp_compiler::source_hash(&text);
            generations.lock().unwrap().insert(hash.clone(), u64::from(round));
            replace(&path, &text);
            wait_until("the new version serves", || {
                get(addr, "/v1/policies/seats", &[]).json()["hash"] == hash.as_str()
            });
        }
        wait_until("clients keep deciding", || requests.load(Ordering::Relaxed) >= before + 8);
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().expect("no client saw a failed request or a mixed decision");
    }
    let expected: BTreeSet<u64> = (0..=20).step_by(2).collect();
    assert_eq!(*seen.lock().unwrap(), expected, "every good version decided, no broken one did");
    let metrics = get(addr, "/metrics", &[]).text();
    assert_eq!(metric(&metrics, "dexp_reloads_total{policy=\"seats\",result=\"success\"}"), 11.0);
    assert_eq!(metric(&metrics, "dexp_reloads_total{policy=\"seats\",result=\"failure\"}"), 10.0);
}

#[test]
fn metrics_count_requests_records_refusals_and_latency() {
    let server = serve_reference(&[]);
    let tenants = read("policies/examples/tenants.ndjson");
    for tenant in tenants.lines().take(3) {
        assert_eq!(post_json(server.addr, DECIDE, tenant).status, 200);
    }
    assert_eq!(post_json(server.addr, DECIDE, "{}").status, 400);
    assert_eq!(post_ndjson(server.addr, BATCH, read("policies/examples/bad-tenants.ndjson").as_bytes()).status, 200);
    assert_eq!(get(server.addr, "/nowhere", &[]).status, 404);
    let response = get(server.addr, "/metrics", &[]);
    assert_eq!(response.status, 200);
    assert!(response.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text();
    let route = "dexp_http_requests_total{route=\"/v1/policies/{name}/decide\"";
    assert_eq!(metric(&text, &format!("{route},status=\"200\"}}")), 3.0);
    assert_eq!(metric(&text, &format!("{route},status=\"400\"}}")), 1.0);
    assert_eq!(metric(&text, "dexp_http_requests_total{route=\"unmatched\",status=\"404\"}"), 1.0);
    assert_eq!(metric(&text, "dexp_http_refusals_total{code=\"bad_record\"}"), 1.0);
    assert_eq!(metric(&text, "dexp_http_refusals_total{code=\"not_found\"}"), 1.0);
    // bad-tenants.ndjson: 6 decided, 6 rejected (as `dexpc eval` counts them).
    assert_eq!(metric(&text, "dexp_records_total{policy=\"defender_experts\",outcome=\"decided\"}"), 9.0);
    assert_eq!(metric(&text, "dexp_records_total{policy=\"defender_experts\",outcome=\"rejected\"}"), 7.0);
    let decide_count = "dexp_request_duration_seconds_count{policy=\"defender_experts\",route=\"decide\"}";
    assert_eq!(metric(&text, decide_count), 4.0);
    let inf = "dexp_request_duration_seconds_bucket{policy=\"defender_experts\",route=\"batch\",le=\"+Inf\"}";
    assert_eq!(metric(&text, inf), 1.0);
    let hash = reference_hash();
    assert_eq!(
        metric(&text, &format!("dexp_policy_info{{policy=\"defender_experts\",hash=\"{hash}\",version=\"1.0.0\"}}")),
        1.0
    );
    assert_eq!(metric(&text, "dexp_ready"), 1.0);
}

#[test]
fn the_decision_log_records_every_record_with_masked_fields() {
    let dir = scratch("decision-log");
    std::fs::write(dir.join("seats.dexp"), seats(5)).unwrap();
    let mut server = Server::start(
        &dir,
        &[
            "seats.dexp",
            "--decision-log",
            "decisions.ndjson",
            "--mask-field",
            "licensed_users",
            "--mask-field",
            "products.name",
        ],
    );
    assert_eq!(post_json(server.addr, "/v1/policies/seats/decide", ACCOUNT).status, 200);
    let bad = r#"{"id":"bad","users":1}"#;
    assert_eq!(post_json(server.addr, "/v1/policies/seats/decide", bad).status, 400);
    let body = format!("{}\n\n{bad}\n", ACCOUNT.replace("acme", "b1"));
    assert_eq!(post_ndjson(server.addr, "/v1/policies/seats/batch", body.as_bytes()).status, 200);
    assert!(server.stop().success());
    let log = std::fs::read_to_string(dir.join("decisions.ndjson")).unwrap();
    let entries: Vec<Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(entries.len(), 4, "{log}");
    let hash = dexp_compiler::source_hash(&seats(5));
    for entry in &entries {
        assert_eq!(entry["policy"], "seats");
        assert_eq!(entry["hash"], hash.as_str());
        assert!(entry["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(entry["duration_us"].is_u64());
    }
    let routes: Vec<&str> = entries.iter().map(|e| e["route"].as_str().unwrap()).collect();
    assert_eq!(routes, ["decide", "decide", "batch", "batch"]);
    let keys: Vec<&str> = entries.iter().map(|e| e["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["acme", "bad", "b1", "bad"]);
    let outcomes: Vec<&str> = entries.iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["decided", "rejected", "decided", "rejected"]);
    assert_eq!(entries[0]["decision"]["generation"], 5);
    assert_eq!(entries[0]["input"]["licensed_users"], "<masked>");
    assert_eq!(entries[0]["input"]["users"], 10);
    assert_eq!(entries[0]["input"]["products"][0]["name"], "<masked>");
    assert_eq!(entries[0]["input"]["products"][0]["mode"], "active");
    assert_eq!(entries[1]["error"]["error"]["path"], "licensed_users");
    assert_eq!(entries[3]["error"]["line"], 3);
}

#[test]
fn sigterm_drains_requests_in_flight() {
    let mut server = serve_reference(&[]);
    let tenants = read("policies/examples/tenants.ndjson");
    let stream = client::connect(server.addr);
    let mut writer = stream.try_clone().unwrap();
    let head = format!(
        "POST {BATCH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\n\r\n",
        tenants.len()
    );
    writer.write_all(head.as_bytes()).unwrap();
    let half = tenants.len() / 2;
    writer.write_all(&tenants.as_bytes()[..half]).unwrap();
    let mut reader = BufReader::new(stream);
    assert_eq!(client::read_head(&mut reader).0, 200);
    server.signal("TERM");
    wait_until("new connections are refused", || std::net::TcpStream::connect(server.addr).is_err());
    writer.write_all(&tenants.as_bytes()[half..]).unwrap();
    let mut body = Vec::new();
    while let Some(chunk) = client::read_chunk(&mut reader) {
        if chunk.is_empty() {
            break;
        }
        body.extend_from_slice(&chunk);
    }
    assert!(body == eval(&[POLICY, "policies/examples/tenants.ndjson"]), "the request in flight finished whole");
    assert!(server.stop_after_signal().success());
}

#[test]
fn tls_serves_https_with_the_given_certificate() {
    let dir = scratch("tls");
    std::fs::write(dir.join("seats.dexp"), seats(7)).unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(dir.join("cert.pem"), certified.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), certified.key_pair.serialize_pem()).unwrap();
    let server = Server::start(&dir, &["seats.dexp", "--tls-cert", "cert.pem", "--tls-key", "key.pem"]);
    assert_eq!(server.scheme, "https");

    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tls = rustls::StreamOwned::new(connection, client::connect(server.addr));
    let bytes = client::request_bytes(
        "POST",
        "/v1/policies/seats/decide",
        &[("Content-Type", "application/json")],
        ACCOUNT.as_bytes(),
    );
    tls.write_all(&bytes).unwrap();
    let mut raw = Vec::new();
    match tls.read_to_end(&mut raw) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
        Err(e) => panic!("{e}"),
    }
    let response = client::read_response(&mut BufReader::new(raw.as_slice()));
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["decision"]["generation"], 7);

    // Plain HTTP to the TLS port gets no HTTP answer.
    let mut plain = client::connect(server.addr);
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
}
