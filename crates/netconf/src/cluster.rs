//! Reading the part of Cortex's `cluster.yaml` cortex-net uses.
//!
//! The file is Cortex's, with dozens of keys cortex-net does not care about: unknown
//! keys are ignored. The `--region` override is layered on top with figment.

use std::path::Path;

use figment::Figment;
use figment::value::{Dict, Value};

use crate::diagnostic::Diagnostic;
use crate::layers::Layer;
use crate::model::{ClusterConfig, ClusterGateway, Scheme};
use crate::read::{Expect, Layered, source_errors};
use crate::validate;
use crate::yaml::{self, FileLayer};

/// The cluster configuration, best effort: fields in error keep their defaults.
pub(crate) fn read(
    path: &Path,
    region_override: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> ClusterConfig {
    let mut cluster = ClusterConfig {
        cluster_name: String::new(),
        region: None,
        api_load_balancer_scheme: Scheme::default(),
        api_gateway: ClusterGateway::default(),
        ssl_certificate_arn: None,
    };

    let mut fig = Figment::new();
    let file_ok = match yaml::read_file(
        path,
        "pass the path of the cluster configuration file given to `cortex cluster up` (`-c FILE`)",
    )
    .and_then(|value| yaml::mapping(path, value))
    {
        Err(d) => {
            diags.push(*d);
            false
        }
        Ok(dict) => {
            fig = fig.merge(FileLayer::new(path, dict));
            true
        }
    };
    if let Some(region) = region_override {
        fig = fig.merge(Layer::option("--region", "region", Value::from(region)));
    }
    if let Err(e) = fig.extract::<Dict>() {
        diags.extend(source_errors(e, path));
        return cluster;
    }
    let doc = Layered {
        fig: &fig,
        fallback: path,
    };

    match doc.get_string("cluster_name", diags) {
        Some(name) => {
            name.check("cluster_name", validate::cluster_name(&name.value), diags);
            cluster.cluster_name = name.value;
        }
        None if file_ok && doc.raw("cluster_name").is_none() => {
            let root = fig.extract::<Dict>().unwrap_or_default();
            diags.push(crate::read::missing_key(
                path,
                "",
                "cluster_name",
                &root,
                "add `cluster_name: <name>`, the name of the Cortex cluster",
            ));
        }
        None => {}
    }
    cluster.region = doc.checked_string("region", validate::region, diags);
    if let Some(scheme) = doc.get::<Scheme>(
        "api_load_balancer_scheme",
        Expect::OneOf(Scheme::SPELLINGS),
        diags,
    ) {
        cluster.api_load_balancer_scheme = scheme.value;
    }
    if let Some(gateway) = doc.get::<ClusterGateway>(
        "api_gateway",
        Expect::OneOf(ClusterGateway::SPELLINGS),
        diags,
    ) {
        cluster.api_gateway = gateway.value;
    }
    cluster.ssl_certificate_arn =
        doc.checked_string("ssl_certificate_arn", validate::certificate_arn, diags);
    cluster
}
