//! TLS for `--tls-cert` and `--tls-key`: rustls on the `ring` provider, TLS 1.2 and 1.3,
//! HTTP/1.1 by ALPN. The certificate chain and key are PEM files read once at start.

use crate::cli::CliError;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long a client may take to finish the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The acceptor for a certificate chain and its key.
pub fn acceptor(cert: &Path, key: &Path) -> Result<tokio_rustls::TlsAcceptor, CliError> {
    let bad = |path: &Path, what: &str, e: &dyn std::fmt::Display| {
        CliError::Other(format!("{}: cannot read the {what}: {e}", path.display()))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(cert, "certificate", &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(cert, "certificate", &e))?;
    if certs.is_empty() {
        return Err(CliError::Other(format!("{}: no certificate in the file", cert.display())));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, "private key", &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CliError::Other(format!("cannot configure TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| CliError::Other(format!("the TLS certificate and key do not fit together: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
