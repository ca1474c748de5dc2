//! A lean load client for `dexpc serve`'s `POST /v1/policies/{name}/batch`, so that timing the
//! server's batch path does not time curl as well (curl reads the whole file into memory before
//! sending and writes the whole response to a file, on the same two cores as the server).
//!
//! `serve_batch ADDR PATH INPUT [EXPECTED]` opens one connection to `ADDR` (a loopback address
//! such as `127.0.0.1:8181`), sends `INPUT` as the body of `POST PATH` with its
//! `Content-Length` (the file is copied to the socket by the kernel where it can, on a thread of
//! its own, while the response is read), and reads the streamed response: it decodes the chunked
//! transfer encoding, counts the body's bytes and lines, and compares the body byte for byte with
//! `EXPECTED` (e.g. `dexpc eval`'s output for the same file) as it arrives, keeping nothing.
//!
//! It prints one line, `RESULT SECONDS BYTES LINES identical|different|unchecked`: the wall time
//! from connecting to the last byte of the response, what the body held, and the comparison. The
//! exit status is 1 when the response is not a 200, is cut off, or differs from `EXPECTED`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Instant;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(addr), Some(path), Some(input)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("usage: serve_batch ADDR PATH INPUT [EXPECTED]");
        return ExitCode::FAILURE;
    };
    match run(addr, path, input, args.get(3)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("serve_batch: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Sends the request and checks the response; `Ok(false)` when the body differs from
/// `expected`.
fn run(addr: &str, path: &str, input: &str, expected: Option<&String>) -> Result<bool, Error> {
    let mut file = File::open(input)?;
    let length = file.metadata()?.len();
    let started = Instant::now();
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-ndjson\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    // The body goes out while the response comes in: the server streams its answer and does not
    // buffer it, so a client that sent everything before reading could block both sides.
    let sender = std::thread::spawn(move || -> Result<u64, std::io::Error> {
        writer.write_all(head.as_bytes())?;
        // `io::copy` from a file to a socket uses the kernel's `sendfile` on Linux.
        std::io::copy(&mut file, &mut writer)
    });
    let mut reader = BufReader::with_capacity(1 << 18, stream);
    let mut check = match expected {
        Some(path) => Check::Against(BufReader::with_capacity(1 << 18, File::open(path)?), Vec::new()),
        None => Check::Unchecked,
    };
    let (bytes, lines) = read_response(&mut reader, &mut check)?;
    let seconds = started.elapsed().as_secs_f64();
    let sent = sender.join().map_err(|_| "the sending thread stopped")??;
    if sent != length {
        return Err(format!("sent {sent} of {length} bytes").into());
    }
    let verdict = match check {
        Check::Unchecked => "unchecked",
        Check::Against(mut rest, _) => {
            if check_end(&mut rest)? {
                "identical"
            } else {
                "different"
            }
        }
        Check::Differs => "different",
    };
    println!("RESULT {seconds:.6} {bytes} {lines} {verdict}");
    Ok(verdict != "different")
}

/// What the response body is compared with.
enum Check {
    /// Nothing.
    Unchecked,
    /// The expected bytes not yet compared, and a buffer for them.
    Against(BufReader<File>, Vec<u8>),
    /// A difference was found.
    Differs,
}

impl Check {
    /// Compares the next piece of the body.
    fn piece(&mut self, data: &[u8]) -> Result<(), Error> {
        let Check::Against(expected, want) = self else { return Ok(()) };
        want.resize(data.len(), 0);
        let same = match expected.read_exact(want) {
            Ok(()) => want.as_slice() == data,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => false,
            Err(e) => return Err(e.into()),
        };
        if !same {
            *self = Check::Differs;
        }
        Ok(())
    }
}

/// True when nothing of the expected bytes is left over.
fn check_end(expected: &mut BufReader<File>) -> Result<bool, Error> {
    Ok(expected.fill_buf()?.is_empty())
}

/// Reads the status line and headers, then the body (chunked or of a declared length); returns
/// the body's bytes and lines.
fn read_response(reader: &mut BufReader<TcpStream>, check: &mut Check) -> Result<(u64, u64), Error> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        let mut rest = String::new();
        let _ = reader.take(1 << 16).read_to_string(&mut rest);
        return Err(format!("the server answered {}: {rest}", line.trim_end()).into());
    }
    let (mut chunked, mut length) = (false, None);
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err("the response ended in its headers".into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap_or((header, ""));
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        } else if name == "content-length" {
            length = Some(value.parse::<u64>()?);
        }
    }
    let mut counts = (0u64, 0u64);
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = line.trim_end().split(';').next().unwrap_or("");
            let size = u64::from_str_radix(size, 16).map_err(|_| format!("a bad chunk size `{}`", line.trim_end()))?;
            if size == 0 {
                line.clear();
                reader.read_line(&mut line)?;
                return Ok(counts);
            }
            body(reader, size, check, &mut counts)?;
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf)?;
        }
    }
    match length {
        Some(n) => body(reader, n, check, &mut counts)?,
        None => return Err("the response has neither a length nor chunks".into()),
    }
    Ok(counts)
}

/// Consumes `size` body bytes from the reader's buffer, counting and checking them.
fn body(reader: &mut BufReader<TcpStream>, size: u64, check: &mut Check, counts: &mut (u64, u64)) -> Result<(), Error> {
    let mut left = size;
    while left > 0 {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Err("the response was cut off".into());
        }
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let data = buf.get(..n).unwrap_or(&[]);
        check.piece(data)?;
        counts.0 += n as u64;
        counts.1 += data.iter().filter(|&&b| b == b'\n').count() as u64;
        reader.consume(n);
        left -= n as u64;
    }
    Ok(())
}
