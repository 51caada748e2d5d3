//! HTTPS in front of the test server, terminated as a reverse proxy does it in a deployment: a
//! certificate authority made for the test (rcgen), server certificates it signs, and a TLS
//! proxy forwarding to the real server. The desktop's tests use it too.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Self { issuer }
    }

    /// The authority's certificate (PEM) in a file of its own, for `SSL_CERT_FILE`; the folder
    /// (and the file) go with the returned guard.
    pub fn file(&self) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, self.issuer.pem()).unwrap();
        (dir, path)
    }

    /// Makes this authority the only one this process trusts (`SSL_CERT_FILE`, no
    /// `SSL_CERT_DIR`), for as long as the returned folder is kept.
    pub fn trust_alone(&self) -> tempfile::TempDir {
        let (dir, path) = self.file();
        std::env::remove_var("SSL_CERT_DIR");
        std::env::set_var("SSL_CERT_FILE", &path);
        dir
    }

    /// A server's TLS configuration with a certificate for `names` (DNS names or IP addresses).
    pub fn server(&self, names: &[&str]) -> Arc<rustls::ServerConfig> {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, &names[0]);
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone(), self.issuer.der().clone()], key)
            .unwrap();
        Arc::new(config)
    }
}

/// Accepts TLS on a loopback port and forwards the plain bytes to `target`. Its certificate can
/// be replaced (a renewal) and its connections cut.
pub struct TlsProxy {
    pub addr: SocketAddr,
    acceptor: Arc<Mutex<TlsAcceptor>>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl TlsProxy {
    pub async fn start(target: SocketAddr, config: Arc<rustls::ServerConfig>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = Arc::new(Mutex::new(TlsAcceptor::from(config)));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (current, open) = (acceptor.clone(), conns.clone());
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let acceptor = current.lock().unwrap().clone();
                let conn = tokio::spawn(async move {
                    // A client that refuses the certificate ends here, as it should.
                    let Ok(mut tls) = acceptor.accept(inbound).await else {
                        return;
                    };
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut outbound).await;
                    }
                });
                let mut open = open.lock().unwrap();
                open.retain(|c| !c.is_finished());
                open.push(conn);
            }
        });
        Self {
            addr,
            acceptor,
            conns,
            accept,
        }
    }

    /// New connections get this certificate.
    pub fn present(&self, config: Arc<rustls::ServerConfig>) {
        *self.acceptor.lock().unwrap() = TlsAcceptor::from(config);
    }

    /// Closes every open connection.
    pub fn cut(&self) {
        for conn in self.conns.lock().unwrap().drain(..) {
            conn.abort();
        }
    }

    /// The proxy's address as `https://host:port`.
    pub fn url(&self, host: &str) -> String {
        format!("https://{host}:{}", self.addr.port())
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}
