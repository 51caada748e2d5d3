//! HTTPS and WSS: one rustls client configuration (ring) with the certificates this computer
//! trusts, shared by the HTTP client and the WebSocket. It is built the first time a server is
//! reached over TLS, so the embedded server on loopback HTTP never reads the certificate store.
//! `SSL_CERT_FILE` / `SSL_CERT_DIR` replace the system's store, as for OpenSSL.

use crate::error::{CoreError, CoreResult, TlsProblem};
use std::sync::{Arc, OnceLock};

static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();

/// The client configuration; reads the trusted certificates once per process.
pub fn config() -> CoreResult<Arc<rustls::ClientConfig>> {
    if let Some(c) = CONFIG.get() {
        return Ok(c.clone());
    }
    let loaded = rustls_native_certs::load_native_certs();
    for e in &loaded.errors {
        tracing::warn!(error = %e, "a trusted certificate could not be read");
    }
    let mut roots = rustls::RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(loaded.certs);
    if added == 0 {
        // Every server's certificate will then be refused as untrusted, by name, when used.
        tracing::warn!(ignored, "this computer trusts no certificate authority");
    } else {
        tracing::info!(added, ignored, "trusted certificates read");
    }
    // ring, as reqwest's own rustls support uses: no C toolchain beyond cc to build (aws-lc-rs
    // wants more, and adds megabytes). rustls now marks it deprecated for lacking the
    // post-quantum key exchange; see ARCHITECTURE.md, "TLS".
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CoreError::Tls {
            problem: TlsProblem::Handshake,
            detail: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(CONFIG.get_or_init(|| Arc::new(config)).clone())
}

/// The TLS failure behind a connection error, if TLS is what failed: the chain of causes is
/// walked down to rustls' own error, through the I/O errors that wrap it (tokio-rustls wraps it
/// in one, hyper's connector in another, and an I/O error's `source` skips what it wraps).
pub fn failure(e: &(dyn std::error::Error + 'static)) -> Option<CoreError> {
    let mut cause = Some(e);
    while let Some(err) = cause {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(classify(tls));
        }
        cause = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

fn classify(e: &rustls::Error) -> CoreError {
    let problem = match e {
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
            TlsProblem::Certificate
        }
        // The first bytes back were no TLS record: a plain-HTTP server ("HTTP/1.1 400").
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
            TlsProblem::NotTls
        }
        _ => TlsProblem::Handshake,
    };
    CoreError::Tls {
        problem,
        detail: e.to_string(),
    }
}
