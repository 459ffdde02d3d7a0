//! `cortex-net cert self-signed`: a self-signed certificate and its key, generated with rcgen on
//! aws-lc-rs, written as PEM files and optionally imported into ACM tagged as owned.
//!
//! The key is RSA 2048 (ACM imports it, and every TLS client and AWS service that reads ACM
//! certificates accepts it), signed with SHA-256. The private key never reaches a log, `Debug`
//! or `Display`; its file is created with mode 0600 and nothing is ever overwritten.

use std::fmt;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aws_calls::AwsResultExt;
use aws_sdk_acm::primitives::{Blob, DateTime, DateTimeFormat};
use aws_sdk_acm::types::Tag;
use gw_core::Ownership;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose,
};

use crate::CertError;

/// The validity `cortex-net cert self-signed` uses unless told otherwise.
pub const DEFAULT_DAYS: u32 = 365;
/// The common name `cortex-net cert self-signed` uses unless told otherwise: what Cortex's load
/// balancer certificate uses.
pub const DEFAULT_COMMON_NAME: &str = "localhost";

/// The longest validity accepted (about 10 years); longer is almost certainly a typo.
const MAX_DAYS: u32 = 3650;
/// Validity starts this much before "now", so that a client with a slightly slow clock does not
/// see a certificate from the future.
const CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// A generated certificate and its private key, both PEM.
///
/// `Debug` and `Display` never show the key.
#[derive(Clone, PartialEq, Eq)]
pub struct SelfSigned {
    pub certificate_pem: String,
    /// PKCS#8 PEM. Never print or log it.
    pub private_key_pem: String,
    /// The common name, also the certificate's only DNS subject alternative name.
    pub common_name: String,
    /// The end of validity, RFC 3339.
    pub not_after: String,
}

impl fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelfSigned")
            .field("certificate_pem", &self.certificate_pem)
            .field("private_key_pem", &"<redacted>")
            .field("common_name", &self.common_name)
            .field("not_after", &self.not_after)
            .finish()
    }
}

impl fmt::Display for SelfSigned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "self-signed certificate for {} (RSA 2048), valid until {}",
            self.common_name, self.not_after
        )
    }
}

/// Generates a self-signed certificate for `common_name` (also its DNS subject alternative
/// name), valid from now for `days` days.
pub fn generate(common_name: &str, days: u32) -> Result<SelfSigned, CertError> {
    generate_at(common_name, days, SystemTime::now())
}

/// [`generate`], valid from `now` (minus a few minutes for clock skew) for `days` days.
pub fn generate_at(common_name: &str, days: u32, now: SystemTime) -> Result<SelfSigned, CertError> {
    let common_name = common_name.trim();
    if common_name.is_empty() {
        return Err(CertError::Invalid(
            "the common name is empty: give one with --cn (default: localhost)".to_string(),
        ));
    }
    if days == 0 || days > MAX_DAYS {
        return Err(CertError::Invalid(format!(
            "a validity of {days} days is out of range: give between 1 and {MAX_DAYS} days"
        )));
    }
    let generate_error = |e: rcgen::Error| CertError::Generate(e.to_string());

    let not_before = now.checked_sub(CLOCK_SKEW).unwrap_or(now);
    let not_after = now + Duration::from_secs(u64::from(days) * 24 * 60 * 60);

    let mut params =
        CertificateParams::new(vec![common_name.to_string()]).map_err(|e| match e {
            rcgen::Error::InvalidAsn1String(_) => CertError::Invalid(format!(
                "`{common_name}` cannot be a certificate name: use a DNS name such as localhost \
                 or api.example.com"
            )),
            other => generate_error(other),
        })?;
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, common_name);
    params.distinguished_name = subject;
    params.not_before = time::OffsetDateTime::from(not_before);
    params.not_after = time::OffsetDateTime::from(not_after);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];

    let key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).map_err(generate_error)?;
    let certificate = params.self_signed(&key).map_err(generate_error)?;
    let not_after = DateTime::from(not_after);
    Ok(SelfSigned {
        certificate_pem: certificate.pem(),
        private_key_pem: key.serialize_pem(),
        common_name: common_name.to_string(),
        not_after: not_after
            .fmt(DateTimeFormat::DateTime)
            .map_err(|e| CertError::Generate(e.to_string()))?,
    })
}

/// Writes `<dir>/<stem>.crt.pem` (mode 0644) and `<dir>/<stem>.key.pem` (created with mode 0600,
/// never wider), and returns their paths (certificate, key). Refuses to overwrite either file;
/// when one write fails, a file this call already created is removed again.
pub fn write_files(
    cert: &SelfSigned,
    dir: &Path,
    stem: &str,
) -> Result<(PathBuf, PathBuf), CertError> {
    if stem.is_empty() || stem.contains(['/', '\\']) {
        return Err(CertError::Invalid(format!(
            "`{stem}` cannot name the certificate files: use a plain file name"
        )));
    }
    let cert_path = dir.join(format!("{stem}.crt.pem"));
    let key_path = dir.join(format!("{stem}.key.pem"));
    for path in [&cert_path, &key_path] {
        // Also catches dangling symlinks, which `exists` does not.
        if path.symlink_metadata().is_ok() {
            return Err(CertError::FileExists(path.clone()));
        }
    }
    write_new(&key_path, cert.private_key_pem.as_bytes(), 0o600)?;
    if let Err(error) = write_new(&cert_path, cert.certificate_pem.as_bytes(), 0o644) {
        let _ = std::fs::remove_file(&key_path);
        return Err(error);
    }
    Ok((cert_path, key_path))
}

/// Creates `path` (failing if it exists) with `mode` from the start, and writes `bytes`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), CertError> {
    let io_error = |e: std::io::Error| CertError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CertError::FileExists(path.to_path_buf())
        } else {
            io_error(e)
        }
    })?;
    // The umask can only narrow the mode given at creation: widen a public file back to what
    // was asked (never a key: 0600 is already the narrowest that works).
    #[cfg(unix)]
    if mode & 0o044 != 0 {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io_error)?;
    }
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(io_error(e));
    }
    Ok(())
}

/// Imports `cert` into ACM (the client's region) tagged for `owner`, and returns its ARN.
pub async fn import(
    acm: &aws_sdk_acm::Client,
    cert: &SelfSigned,
    owner: &Ownership,
) -> Result<String, CertError> {
    let tags = owner
        .tags()
        .into_iter()
        .map(|(key, value)| {
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|e| CertError::Unexpected(format!("could not build an ACM tag: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let out = acm
        .import_certificate()
        .certificate(Blob::new(cert.certificate_pem.as_bytes()))
        .private_key(Blob::new(cert.private_key_pem.as_bytes()))
        .set_tags(Some(tags))
        .send()
        .await
        .aws("ImportCertificate")?;
    let arn = out
        .certificate_arn()
        .filter(|arn| !arn.is_empty())
        .ok_or_else(|| {
            CertError::Unexpected(
                "ImportCertificate returned no certificate ARN: look for the certificate with \
                 `aws acm list-certificates`"
                    .to_string(),
            )
        })?;
    tracing::info!("imported {cert} into ACM as {arn}");
    Ok(arn.to_string())
}

#[cfg(test)]
mod tests;
