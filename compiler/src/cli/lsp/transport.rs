//! JSON-RPC over standard streams with the `Content-Length` framing of the Language Server
//! Protocol. Unlike a transport that stops at the first bad message, this one answers a frame
//! that is not JSON (`-32700`) or not a JSON-RPC message (`-32600`) with an error and keeps
//! reading, so a confused client cannot bring the server down.

use lsp_server::{ErrorCode, Message};
use std::io::{BufRead, Write};
use std::sync::mpsc;

/// Starts a thread that reads messages from standard input into the returned channel. The
/// channel closes at the end of input.
pub fn stdin_messages() -> mpsc::Receiver<Message> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        loop {
            match read_frame(&mut input) {
                Ok(None) | Err(_) => break,
                Ok(Some(Ok(text))) => match decode(&text) {
                    Ok(message) => {
                        if sender.send(message).is_err() {
                            break;
                        }
                    }
                    Err((id, code, message)) => send_error(id, code, &message),
                },
                Ok(Some(Err(problem))) => send_error(serde_json::Value::Null, ErrorCode::ParseError, &problem),
            }
        }
    });
    receiver
}

/// Writes one message to standard output.
pub fn send(message: Message) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = message.write(&mut out);
    let _ = out.flush();
}

/// Writes an error response whose id may be `null` (which `lsp_server::Response` cannot say).
fn send_error(id: serde_json::Value, code: ErrorCode, message: &str) {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code as i32, "message": message },
    })
    .to_string();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = write!(out, "Content-Length: {}\r\n\r\n{body}", body.len());
    let _ = out.flush();
}

/// Reads one frame: `None` at the end of input, `Some(Err)` for a frame whose header or body
/// is unusable (the reader has moved past it), `Err` when the input itself fails.
fn read_frame(input: &mut impl BufRead) -> std::io::Result<Option<Result<String, String>>> {
    let mut length: Option<usize> = None;
    let mut bad_header = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        match line.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length `{}`", value.trim())),
                }
            }
            Some(_) => {}
            None => bad_header = Some(format!("bad header line `{line}`")),
        }
    }
    let Some(length) = length else {
        return Ok(Some(Err(bad_header.unwrap_or_else(|| "a message without Content-Length".into()))));
    };
    if length > crate::cli::lsp::MAX_MESSAGE_BYTES {
        return Ok(Some(Err(format!("a message of {length} bytes is over the limit"))));
    }
    let mut body = vec![0u8; length];
    input.read_exact(&mut body)?;
    Ok(Some(match (bad_header, String::from_utf8(body)) {
        (Some(problem), _) => Err(problem),
        (None, Ok(text)) => Ok(text),
        (None, Err(_)) => Err("the message is not UTF-8".into()),
    }))
}

/// Decodes a frame's body, or says which error to answer with.
fn decode(text: &str) -> Result<Message, (serde_json::Value, ErrorCode, String)> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| (serde_json::Value::Null, ErrorCode::ParseError, format!("the message is not JSON: {e}")))?;
    if !value.is_object() {
        return Err((serde_json::Value::Null, ErrorCode::InvalidRequest, "a JSON-RPC message is an object".into()));
    }
    let id = match value.get("id") {
        Some(id @ (serde_json::Value::Number(_) | serde_json::Value::String(_))) => id.clone(),
        _ => serde_json::Value::Null,
    };
    serde_json::from_value(value)
        .map_err(|e| (id, ErrorCode::InvalidRequest, format!("not a JSON-RPC request or notification: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_and_bad_ones_skipped() {
        let input = "Content-Length: 2\r\n\r\n{}Content-Type: x\r\n\r\nContent-Length: 4\r\n\r\nnull";
        let mut reader = std::io::Cursor::new(input.as_bytes());
        assert_eq!(read_frame(&mut reader).ok().flatten(), Some(Ok("{}".into())));
        assert!(matches!(read_frame(&mut reader), Ok(Some(Err(_)))));
        assert_eq!(read_frame(&mut reader).ok().flatten(), Some(Ok("null".into())));
        assert_eq!(read_frame(&mut reader).ok().flatten(), None);
    }

    #[test]
    fn bad_json_and_non_messages_are_told_apart() {
        assert!(matches!(decode("{"), Err((serde_json::Value::Null, ErrorCode::ParseError, _))));
        assert!(matches!(decode("[1, 2]"), Err((serde_json::Value::Null, ErrorCode::InvalidRequest, _))));
        assert!(decode(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#).is_ok());
    }
}
