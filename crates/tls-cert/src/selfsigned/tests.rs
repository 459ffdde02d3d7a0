//! Self-signed certificates: what rcgen makes, how the files are written (0600 key, never
//! overwritten), what never shows the key, and the import into ACM.

use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use aws_sdk_acm::Client;
use aws_sdk_acm::operation::import_certificate::ImportCertificateOutput;
use aws_smithy_mocks::{mock, mock_client};

use super::*;

/// 2027-01-15T08:00:00Z.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn der(pem_text: &str, tag: &str) -> Vec<u8> {
    let parsed = pem::parse(pem_text).expect("valid PEM");
    assert_eq!(parsed.tag(), tag);
    parsed.into_contents()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A fresh directory under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path =
            std::env::temp_dir().join(format!("tls-cert-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One key pair for the tests that only need some certificate (RSA generation is slow-ish).
fn sample() -> &'static SelfSigned {
    static SAMPLE: std::sync::OnceLock<SelfSigned> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(|| generate_at("localhost", 365, now()).unwrap())
}

#[test]
fn generates_an_rsa_2048_certificate_for_the_common_name_with_its_validity() {
    let cert = sample();
    assert_eq!(cert.common_name, "localhost");
    assert_eq!(cert.not_after, "2028-01-15T08:00:00Z");

    let cert_der = der(&cert.certificate_pem, "CERTIFICATE");
    // CN=localhost and the DNS SAN localhost: UTF8String / IA5String ([2] dNSName) "localhost".
    assert!(contains(&cert_der, b"\x0c\x09localhost"), "no CN");
    assert!(contains(&cert_der, b"\x82\x09localhost"), "no DNS SAN");
    // rsaEncryption key, signed sha256WithRSAEncryption.
    assert!(contains(
        &cert_der,
        &[
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01
        ]
    ));
    assert!(contains(
        &cert_der,
        &[
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b
        ]
    ));
    // Validity: from five minutes before now, for 365 days (UTCTime).
    assert!(contains(&cert_der, b"\x17\x0d270115075500Z"), "not before");
    assert!(contains(&cert_der, b"\x17\x0d280115080000Z"), "not after");

    // The key parses back, is RSA 2048, and is the certificate's.
    let key = KeyPair::from_pem(&cert.private_key_pem).expect("key parses");
    assert_eq!(key.algorithm(), &rcgen::PKCS_RSA_SHA256);
    let der_key = der(&cert.private_key_pem, "PRIVATE KEY");
    assert!(
        (1180..1260).contains(&der_key.len()),
        "a PKCS#8 RSA-2048 key is about 1.2 kB, got {}",
        der_key.len()
    );
    // RSAPublicKey with a 2048-bit modulus: 30 82 01 0a, 02 82 01 01 00 <256 bytes>, 02 03 <e>.
    assert_eq!(key.public_key_raw().len(), 270);
    assert!(contains(&cert_der, key.public_key_raw()));
}

#[test]
fn another_common_name_is_used_for_the_cn_and_the_san() {
    let cert = generate_at("api.example.com", 30, now()).unwrap();
    let cert_der = der(&cert.certificate_pem, "CERTIFICATE");
    assert!(contains(&cert_der, b"\x0c\x0fapi.example.com"));
    assert!(contains(&cert_der, b"\x82\x0fapi.example.com"));
    assert!(!contains(&cert_der, b"localhost"));
    assert_eq!(cert.not_after, "2027-02-14T08:00:00Z");
}

#[test]
fn refuses_an_empty_name_and_silly_validities() {
    assert!(matches!(generate(" ", 365), Err(CertError::Invalid(m)) if m.contains("--cn")));
    assert!(matches!(
        generate("localhost", 0),
        Err(CertError::Invalid(_))
    ));
    assert!(matches!(
        generate("localhost", 100_000),
        Err(CertError::Invalid(_))
    ));
}

#[test]
fn debug_and_display_never_show_the_private_key() {
    let cert = sample();
    assert!(cert.private_key_pem.contains("PRIVATE KEY"));
    let debug = format!("{cert:?}");
    let pretty = format!("{cert:#?}");
    let display = cert.to_string();
    for text in [&debug, &pretty, &display] {
        assert!(!text.contains("PRIVATE KEY"), "{text}");
        assert!(!text.contains(&cert.private_key_pem[40..80]), "{text}");
    }
    assert!(debug.contains("<redacted>"));
    assert!(debug.contains("BEGIN CERTIFICATE"));
    assert!(display.contains("localhost"));
}

#[cfg(unix)]
#[test]
fn writes_the_key_0600_and_the_certificate_0644() {
    use std::os::unix::fs::PermissionsExt;

    let dir = TempDir::new("modes");
    let cert = sample();
    let (cert_path, key_path) = write_files(cert, &dir.0, "localhost").unwrap();
    assert_eq!(cert_path, dir.0.join("localhost.crt.pem"));
    assert_eq!(key_path, dir.0.join("localhost.key.pem"));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&key_path), 0o600);
    assert_eq!(mode(&cert_path), 0o644);
    assert_eq!(
        std::fs::read_to_string(&key_path).unwrap(),
        cert.private_key_pem
    );
    assert_eq!(
        std::fs::read_to_string(&cert_path).unwrap(),
        cert.certificate_pem
    );
}

#[test]
fn never_overwrites_an_existing_file() {
    let dir = TempDir::new("overwrite");
    let existing = dir.0.join("localhost.key.pem");
    std::fs::write(&existing, "someone's key").unwrap();

    let err = write_files(sample(), &dir.0, "localhost").unwrap_err();
    assert_eq!(err, CertError::FileExists(existing.clone()));
    let text = err.to_string();
    assert!(text.contains(&existing.display().to_string()), "{text}");
    assert!(text.contains("--out"), "{text}");
    assert!(!text.contains("--force"), "{text}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "someone's key");
    assert!(
        !dir.0.join("localhost.crt.pem").exists(),
        "nothing written when one file exists"
    );

    // An existing certificate file stops it as well, before the key is written.
    let dir = TempDir::new("overwrite-crt");
    std::fs::write(dir.0.join("x.crt.pem"), "old").unwrap();
    assert!(matches!(
        write_files(sample(), &dir.0, "x"),
        Err(CertError::FileExists(p)) if p.ends_with("x.crt.pem")
    ));
    assert!(!dir.0.join("x.key.pem").exists());
}

#[test]
fn a_stem_with_a_path_is_refused() {
    let dir = TempDir::new("stem");
    assert!(matches!(
        write_files(sample(), &dir.0, "../escape"),
        Err(CertError::Invalid(_))
    ));
}

#[tokio::test]
async fn import_sends_certificate_key_and_ownership_tags() {
    let cert = sample().clone();
    let expected = cert.clone();
    let rule = mock!(Client::import_certificate)
        .match_requests(move |r| {
            let tags: Vec<(&str, Option<&str>)> =
                r.tags().iter().map(|t| (t.key(), t.value())).collect();
            r.certificate().map(|b| b.as_ref()) == Some(expected.certificate_pem.as_bytes())
                && r.private_key().map(|b| b.as_ref()) == Some(expected.private_key_pem.as_bytes())
                && r.certificate_chain().is_none()
                && tags
                    == vec![
                        (gw_core::CLUSTER_TAG, Some("prod")),
                        (gw_core::MANAGED_BY_TAG, Some(gw_core::MANAGED_BY_VALUE)),
                    ]
        })
        .then_output(|| {
            ImportCertificateOutput::builder()
                .certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/new")
                .build()
        });
    let client = mock_client!(aws_sdk_acm, [&rule]);

    let arn = import(&client, &cert, &Ownership::new("prod"))
        .await
        .unwrap();
    assert_eq!(arn, "arn:aws:acm:us-east-1:123456789012:certificate/new");
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn an_import_without_arn_is_unexpected() {
    let rule = mock!(Client::import_certificate)
        .then_output(|| ImportCertificateOutput::builder().build());
    let client = mock_client!(aws_sdk_acm, [&rule]);
    let err = import(&client, sample(), &Ownership::new("prod"))
        .await
        .unwrap_err();
    assert!(matches!(err, CertError::Unexpected(_)), "{err:?}");
}
