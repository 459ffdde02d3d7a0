//! End-to-end tests of [`load_with_env`] (and one of [`load`]), with YAML files in
//! temporary directories and an injected environment so tests never race.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::*;

/// A temporary directory holding the input files of one test.
struct Files {
    dir: TempDir,
}

impl Files {
    fn new() -> Self {
        Files {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write test file");
        path
    }

    /// Writes cluster.yaml and returns options pointing at it.
    fn cluster(&self, text: &str) -> LoadOptions {
        LoadOptions::new(self.write("cluster.yaml", text))
    }

    /// Writes cluster.yaml and cortex.yaml and returns options pointing at both.
    fn with_apis(&self, cluster: &str, apis: &str) -> LoadOptions {
        let mut opts = self.cluster(cluster);
        opts.apis_file = Some(self.write("cortex.yaml", apis));
        opts
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `settings` as cortex-net.yaml beside [`CLUSTER`] and loads them.
    fn with_settings(&self, settings: &str) -> Loaded {
        self.write(SETTINGS_FILE_NAME, settings);
        ok(&self.cluster(CLUSTER))
    }

    /// Like [`Files::with_settings`], for settings that must not load.
    fn settings_errors(&self, settings: &str) -> Vec<Diagnostic> {
        self.write(SETTINGS_FILE_NAME, settings);
        errs(&self.cluster(CLUSTER))
    }

    /// Writes `apis` as cortex.yaml beside [`CLUSTER`]; the errors loading them gives.
    fn api_errors(&self, apis: &str) -> Vec<Diagnostic> {
        errs(&self.with_apis(CLUSTER, apis))
    }
}

const CLUSTER: &str = "cluster_name: cortex\nregion: us-east-1\n";

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ok(opts: &LoadOptions) -> Loaded {
    ok_env(opts, &[])
}

fn ok_env(opts: &LoadOptions, vars: &[(&str, &str)]) -> Loaded {
    match load_with_env(opts, env(vars)) {
        Ok(loaded) => loaded,
        Err(e) => panic!("expected success, got:\n{e}"),
    }
}

fn errs(opts: &LoadOptions) -> Vec<Diagnostic> {
    errs_env(opts, &[])
}

fn errs_env(opts: &LoadOptions, vars: &[(&str, &str)]) -> Vec<Diagnostic> {
    match load_with_env(opts, env(vars)) {
        Ok(loaded) => panic!("expected errors, got {:#?}", loaded),
        Err(e) => e.diagnostics,
    }
}

/// The only diagnostic about `field`.
fn at<'a>(diags: &'a [Diagnostic], field: &str) -> &'a Diagnostic {
    let hits: Vec<&Diagnostic> = diags.iter().filter(|d| d.field == field).collect();
    match hits.as_slice() {
        [one] => one,
        _ => panic!("expected one diagnostic for `{field}`, got {hits:#?}\nall: {diags:#?}"),
    }
}

fn fields(diags: &[Diagnostic]) -> Vec<&str> {
    diags.iter().map(|d| d.field.as_str()).collect()
}

// ---------------------------------------------------------------- cluster.yaml

#[test]
fn minimal_cluster_gets_every_default() {
    let files = Files::new();
    let opts = files.cluster("cluster_name: cortex\n");
    let loaded = ok(&opts);
    let c = &loaded.config;
    assert_eq!(
        c.cluster,
        ClusterConfig {
            cluster_name: "cortex".into(),
            region: None,
            api_load_balancer_scheme: Scheme::InternetFacing,
            api_gateway: ClusterGateway::Public,
            ssl_certificate_arn: None,
        }
    );
    assert_eq!(c.settings, Settings::default());
    assert_eq!(c.settings.gateway.r#type, GatewayKind::Http);
    assert_eq!(c.settings.gateway.endpoint_type, EndpointType::Regional);
    assert_eq!(c.settings.gateway.vpc_link_timeout_seconds, 600);
    assert_eq!(c.apis, None);
    assert_eq!(
        c.files,
        SourceFiles {
            cluster: opts.cluster_file.clone(),
            apis: None,
            settings: None
        }
    );
    assert_eq!(c.stage(), "$default");
    assert!(c.gateway_enabled());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn cortex_cluster_yaml_with_many_unknown_keys_is_accepted() {
    let files = Files::new();
    let opts = files.cluster(
        r#"
# cluster.yaml as written for `cortex cluster up`
cluster_name: my-cluster
region: us-west-2
prometheus_instance_type: "t3.medium"
node_groups:
  - name: ng-cpu
    instance_type: m5.large
    min_instances: 1
    max_instances: 5
    spot: false
    instance_volume_size: 50
  - name: ng-gpu
    instance_type: g4dn.xlarge
    spot_config:
      on_demand_base_capacity: 0
subnet_visibility: public
nat_gateway: none
api_load_balancer_scheme: internal
operator_load_balancer_scheme: internet-facing
api_gateway: disabled
ssl_certificate_arn: arn:aws:acm:us-west-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666
tags:
  team: ml
vpc_cidr: 192.168.0.0/16
availability_zones: [us-west-2a, us-west-2b]
iam_policy_arns: ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]
image_operator: quay.io/cortexlabs/operator:0.42.0
"#,
    );
    let c = ok(&opts).config.cluster;
    assert_eq!(c.cluster_name, "my-cluster");
    assert_eq!(c.region.as_deref(), Some("us-west-2"));
    assert_eq!(c.api_load_balancer_scheme, Scheme::Internal);
    assert_eq!(c.api_gateway, ClusterGateway::Disabled);
    assert_eq!(
        c.ssl_certificate_arn.as_deref(),
        Some("arn:aws:acm:us-west-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666")
    );
}

#[test]
fn bad_scheme_names_file_field_value_and_allowed_values() {
    let files = Files::new();
    let opts = files.cluster("cluster_name: cortex\napi_load_balancer_scheme: external\n");
    let diags = errs(&opts);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.file, opts.cluster_file);
    assert_eq!(d.field, "api_load_balancer_scheme");
    assert_eq!(d.value.as_deref(), Some("external"));
    assert_eq!(d.fix, "use `internet-facing` or `internal`");
}

#[test]
fn bad_cluster_api_gateway_value() {
    let files = Files::new();
    let diags = errs(&files.cluster("cluster_name: cortex\napi_gateway: none\n"));
    let d = at(&diags, "api_gateway");
    assert_eq!(d.value.as_deref(), Some("none"));
    assert_eq!(d.fix, "use `public` or `disabled`");
}

#[test]
fn cluster_name_is_required() {
    let files = Files::new();
    let opts = files.cluster("region: us-east-1\n");
    let diags = errs(&opts);
    let d = at(&diags, "cluster_name");
    assert_eq!(d.message, "required key is missing");
    assert_eq!(d.file, opts.cluster_file);
    assert_eq!(d.value, None);
}

#[test]
fn cluster_name_rules() {
    for good in ["cortex", "a", "team-ml-2"] {
        let files = Files::new();
        let loaded = ok(&files.cluster(&format!("cluster_name: {good}\n")));
        assert_eq!(loaded.config.cluster.cluster_name, good);
    }
    let long = "a".repeat(55);
    for bad in [
        "Cortex",
        "2cortex",
        "my_cluster",
        "cortex-",
        long.as_str(),
        "''",
    ] {
        let files = Files::new();
        let diags = errs(&files.cluster(&format!("cluster_name: {bad}\n")));
        let d = at(&diags, "cluster_name");
        assert!(d.fix.contains("1-54 lower-case letters"), "{bad}: {d}");
    }
}

#[test]
fn cluster_name_of_the_wrong_type() {
    let files = Files::new();
    let diags = errs(&files.cluster("cluster_name: [a, b]\n"));
    let d = at(&diags, "cluster_name");
    assert_eq!(d.message, "expected a string, found a list");
}

#[test]
fn region_rules_and_override() {
    let files = Files::new();
    let opts = files.cluster("cluster_name: cortex\nregion: us-gov-west-1\n");
    assert_eq!(
        ok(&opts).config.cluster.region.as_deref(),
        Some("us-gov-west-1")
    );

    let bad = files.cluster("cluster_name: cortex\nregion: us-east\n");
    let diags = errs(&bad);
    let d = at(&diags, "region");
    assert_eq!(d.value.as_deref(), Some("us-east"));
    assert_eq!(d.file, bad.cluster_file);

    // The override wins over the file, even over a bad file value.
    let mut opts = files.cluster("cluster_name: cortex\nregion: us-east-1\n");
    opts.overrides.region = Some("eu-central-2".into());
    assert_eq!(
        ok(&opts).config.cluster.region.as_deref(),
        Some("eu-central-2")
    );
    let mut opts = files.cluster("cluster_name: cortex\nregion: nowhere\n");
    opts.overrides.region = Some("ap-southeast-4".into());
    assert_eq!(
        ok(&opts).config.cluster.region.as_deref(),
        Some("ap-southeast-4")
    );

    // A bad override is blamed on the option, not the file.
    let mut opts = files.cluster(CLUSTER);
    opts.overrides.region = Some("mars-1".into());
    let diags = errs(&opts);
    let d = at(&diags, "region");
    assert_eq!(d.file, PathBuf::from("command-line option --region"));
    assert_eq!(d.value.as_deref(), Some("mars-1"));
}

#[test]
fn certificate_arn_shape() {
    let files = Files::new();
    let diags = errs(&files.cluster(
        "cluster_name: cortex\nssl_certificate_arn: arn:aws:acm:us-east-1:1234:certificate/x\n",
    ));
    let d = at(&diags, "ssl_certificate_arn");
    assert_eq!(
        d.value.as_deref(),
        Some("arn:aws:acm:us-east-1:1234:certificate/x")
    );
    assert!(d.fix.contains("ACM certificate"), "{d}");
}

#[test]
fn missing_cluster_file() {
    let files = Files::new();
    let opts = LoadOptions::new(files.path("nope.yaml"));
    let diags = errs(&opts);
    assert_eq!(
        diags.len(),
        1,
        "a missing file is one error, not also a missing cluster_name: {diags:#?}"
    );
    assert_eq!(diags[0].file, files.path("nope.yaml"));
    assert_eq!(diags[0].field, "");
    assert_eq!(diags[0].message, "file not found");
}

#[test]
fn yaml_syntax_error_names_file_and_line() {
    let files = Files::new();
    let opts = files.cluster("cluster_name: cortex\nregion: [us-east-1\n");
    let diags = errs(&opts);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].file, opts.cluster_file);
    assert!(diags[0].message.contains("line 2"), "{}", diags[0].message);
    assert!(!diags[0].fix.is_empty());
}

#[test]
fn duplicate_yaml_keys_are_reported_without_parser_jargon() {
    let files = Files::new();
    let diags = errs(&files.cluster("cluster_name: a\ncluster_name: b\n"));
    assert!(
        diags[0]
            .message
            .contains("the key `cluster_name` appears twice"),
        "{}",
        diags[0].message
    );
    assert!(!diags[0].message.contains("DuplicateKeyPolicy"));
    assert_eq!(diags[0].fix, "keep only one of the repeated keys");
}

#[test]
fn cluster_file_that_is_a_list() {
    let files = Files::new();
    let diags = errs(&files.cluster("- cluster_name: cortex\n"));
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(
        diags[0].fix,
        "the file must be a YAML mapping of `key: value` lines"
    );
}

// ------------------------------------------------------------ cortex-net.yaml

#[test]
fn settings_are_found_beside_the_cluster_file() {
    let files = Files::new();
    let settings = files.write(
        SETTINGS_FILE_NAME,
        "gateway:\n  type: rest\nload_balancer: a1b2c3\n",
    );
    let loaded = ok(&files.cluster(CLUSTER));
    assert_eq!(loaded.config.settings.gateway.r#type, GatewayKind::Rest);
    assert_eq!(
        loaded.config.settings.load_balancer.as_deref(),
        Some("a1b2c3")
    );
    assert_eq!(loaded.config.files.settings, Some(settings));
}

#[test]
fn explicit_settings_file_replaces_the_one_beside_the_cluster_file() {
    let files = Files::new();
    files.write(SETTINGS_FILE_NAME, "gateway:\n  type: rest\n");
    let explicit = files.write("other.yaml", "gateway:\n  stage: prod\n");
    let mut opts = files.cluster(CLUSTER);
    opts.settings_file = Some(explicit.clone());
    let loaded = ok(&opts);
    assert_eq!(
        loaded.config.settings.gateway.r#type,
        GatewayKind::Http,
        "beside file must not be read"
    );
    assert_eq!(
        loaded.config.settings.gateway.stage.as_deref(),
        Some("prod")
    );
    assert_eq!(loaded.config.files.settings, Some(explicit));
}

#[test]
fn explicit_settings_file_must_exist() {
    let files = Files::new();
    let mut opts = files.cluster(CLUSTER);
    opts.settings_file = Some(files.path("missing.yaml"));
    let diags = errs(&opts);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].file, files.path("missing.yaml"));
    assert_eq!(diags[0].message, "file not found");
}

#[test]
fn full_settings_file_is_read() {
    let files = Files::new();
    let loaded = files.with_settings(r#"
gateway:
  type: rest
  stage: prod
  endpoint_type: edge
  cors:
    allow_origins: ["https://example.com"]
    allow_methods: [GET, POST]
    allow_headers: ["*"]
    max_age_seconds: 300
  vpc_link: v1
  vpc_link_timeout_seconds: 900
  domain: api.example.com
  certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d
load_balancer: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/a1b2/50dc6c495c0c9188
"#);
    let gw = &loaded.config.settings.gateway;
    assert_eq!(
        *gw,
        GatewaySettings {
            r#type: GatewayKind::Rest,
            stage: Some("prod".into()),
            endpoint_type: EndpointType::Edge,
            cors: Some(Cors {
                allow_origins: vec!["https://example.com".into()],
                allow_methods: vec!["GET".into(), "POST".into()],
                allow_headers: vec!["*".into()],
                max_age_seconds: Some(300),
            }),
            vpc_link: Some(VpcLinkVersion::V1),
            vpc_link_timeout_seconds: 900,
            domain: Some("api.example.com".into()),
            certificate_arn: Some("arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d".into()),
        }
    );
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.config.stage(), "prod");
}

#[test]
fn cors_true_false_and_wrong_type() {
    let files = Files::new();
    assert_eq!(
        files
            .with_settings("gateway:\n  cors: true\n")
            .config
            .settings
            .gateway
            .cors,
        Some(Cors::allow_all())
    );
    assert_eq!(
        files
            .with_settings("gateway:\n  cors: false\n")
            .config
            .settings
            .gateway
            .cors,
        None
    );
    let diags = files.settings_errors("gateway:\n  cors: yes please\n");
    let d = at(&diags, "gateway.cors");
    assert_eq!(d.value.as_deref(), Some("yes please"));
    assert!(d.fix.contains("`true`, `false` or a mapping"), "{d}");
    let diags = files.settings_errors("gateway:\n  cors:\n    allow_origin: ['*']\n    max_age_seconds: 100000\n    allow_methods: [[GET]]\n");
    assert!(
        at(&diags, "gateway.cors.allow_origin")
            .message
            .contains("`gateway.cors.allow_origins`")
    );
    assert_eq!(
        at(&diags, "gateway.cors.max_age_seconds").value.as_deref(),
        Some("100000")
    );
    assert_eq!(
        at(&diags, "gateway.cors.allow_methods[0]").message,
        "expected a string, found a list"
    );
}

#[test]
fn unknown_settings_key_gets_a_suggestion() {
    let files = Files::new();
    let settings = files.write(SETTINGS_FILE_NAME, "gateway:\n  tpye: rest\n");
    let diags = errs(&files.cluster(CLUSTER));
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d.file, settings);
    assert_eq!(d.field, "gateway.tpye");
    assert_eq!(d.message, "unknown key; did you mean `gateway.type`?");
    assert_eq!(d.fix, "rename `tpye` under `gateway:` to `type`");
}

/// Applies the fix a did-you-mean gives (the suggested path) and loads again: the key is
/// then known, so the fix is itself valid.
#[test]
fn suggested_keys_are_valid_when_applied() {
    let cases = [
        ("gateway:\n  tpye: rest\n", "gateway:\n  type: rest\n"),
        ("gateway:\n  stge: dev\n", "gateway:\n  stage: dev\n"),
        ("stage: dev\n", "gateway:\n  stage: dev\n"),
        ("gateway_type: rest\n", "gateway:\n  type: rest\n"),
        (
            "gateway:\n  load_balancer: my-lb\n",
            "load_balancer: my-lb\n",
        ),
        ("loadbalancer: my-lb\n", "load_balancer: my-lb\n"),
        (
            "gateway:\n  cors:\n    allow_origin: ['*']\n",
            "gateway:\n  cors:\n    allow_origins: ['*']\n",
        ),
    ];
    for (typo, fixed) in cases {
        let files = Files::new();
        let diags = files.settings_errors(typo);
        assert_eq!(diags.len(), 1, "{typo}: {diags:#?}");
        let suggested = diags[0]
            .message
            .split('`')
            .nth(1)
            .unwrap_or_default()
            .to_string();
        assert!(
            diags[0]
                .fix
                .contains(suggested.rsplit('.').next().unwrap_or_default()),
            "{}",
            diags[0]
        );
        // The fixed file holds exactly the suggested path.
        let value: figment::value::Value =
            serde_saphyr::from_str(fixed).unwrap_or_else(|_| panic!("{fixed}"));
        assert!(
            value.find_ref(&suggested).is_some(),
            "{typo}: {suggested} not in {fixed}"
        );
        files.with_settings(fixed);
    }
}

#[test]
fn unknown_settings_keys_at_other_levels() {
    let files = Files::new();
    let diags = files.settings_errors("stage: prod\nfrobnicate: 1\ngateway:\n  load_balancer: x\n");
    assert_eq!(
        at(&diags, "stage").message,
        "unknown key; did you mean `gateway.stage`?"
    );
    assert_eq!(at(&diags, "frobnicate").message, "unknown key");
    assert_eq!(
        at(&diags, "frobnicate").fix,
        "remove it; valid keys here: `gateway`, `load_balancer`, `apis`, `api_keys`, `usage_plans`"
    );
    assert_eq!(
        at(&diags, "gateway.load_balancer").message,
        "unknown key; did you mean `load_balancer`?"
    );
}

#[test]
fn gateway_must_be_a_mapping() {
    let files = Files::new();
    let diags = files.settings_errors("gateway: rest\n");
    let d = at(&diags, "gateway");
    assert_eq!(
        d.message,
        "expected a mapping of gateway settings, found a string"
    );
    assert_eq!(d.value.as_deref(), Some("rest"));
}

#[test]
fn empty_settings_file_means_defaults() {
    let files = Files::new();
    let loaded = files.with_settings("# nothing yet\n");
    assert_eq!(loaded.config.settings, Settings::default());
    assert!(loaded.config.files.settings.is_some());
}

#[test]
fn bad_gateway_type_names_allowed_values() {
    let files = Files::new();
    let settings = files.write(SETTINGS_FILE_NAME, "gateway:\n  type: graphql\n");
    let diags = errs(&files.cluster(CLUSTER));
    let d = at(&diags, "gateway.type");
    assert_eq!(d.file, settings);
    assert_eq!(d.value.as_deref(), Some("graphql"));
    assert_eq!(d.fix, "use `http` or `rest`");
}

#[test]
fn stage_rules_depend_on_gateway_type() {
    let files = Files::new();
    assert_eq!(
        files
            .with_settings("gateway:\n  stage: $default\n")
            .config
            .stage(),
        "$default"
    );

    let diags = files.settings_errors("gateway:\n  type: rest\n  stage: $default\n");
    assert_eq!(
        at(&diags, "gateway.stage").value.as_deref(),
        Some("$default")
    );
    let diags = files.settings_errors("gateway:\n  stage: v1.0\n");
    assert_eq!(at(&diags, "gateway.stage").value.as_deref(), Some("v1.0"));
    assert_eq!(
        files
            .with_settings("gateway:\n  type: rest\n  stage: prod_2-b\n")
            .config
            .stage(),
        "prod_2-b"
    );

    // A numeric stage is its text.
    assert_eq!(
        files
            .with_settings("gateway:\n  stage: 2024\n")
            .config
            .stage(),
        "2024"
    );
}

#[test]
fn stage_defaults_per_gateway_type() {
    let files = Files::new();
    assert_eq!(ok(&files.cluster(CLUSTER)).config.stage(), "$default");
    assert_eq!(
        files
            .with_settings("gateway:\n  type: rest\n")
            .config
            .stage(),
        "dev"
    );
}

#[test]
fn domain_rules() {
    let files = Files::new();
    assert_eq!(
        files.with_settings("gateway:\n  domain: api.example.com\n  certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d\n")
            .config
            .settings
            .gateway
            .domain
            .as_deref(),
        Some("api.example.com")
    );
    for bad in [
        "'*.example.com'",
        "localhost",
        "api..example.com",
        "api_x.example.com",
    ] {
        let diags = files.settings_errors(&format!("gateway:\n  domain: {bad}\n  certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d\n"));
        let d = at(&diags, "gateway.domain");
        assert_eq!(d.value.as_deref(), Some(bad.trim_matches('\'')));
    }
    assert!(
        files.settings_errors("gateway:\n  domain: '*.example.com'\n  certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d\n")[0]
            .message
            .contains("wildcard")
    );
}

#[test]
fn vpc_link_v1_is_an_error_for_http_only() {
    let files = Files::new();
    let diags = files.settings_errors("gateway:\n  vpc_link: v1\n");
    let d = at(&diags, "gateway.vpc_link");
    assert_eq!(d.message, "HTTP APIs only connect through VPC link v2");
    assert_eq!(d.value.as_deref(), Some("v1"));
    assert_eq!(
        files
            .with_settings("gateway:\n  type: rest\n  vpc_link: v1\n")
            .config
            .settings
            .gateway
            .vpc_link,
        Some(VpcLinkVersion::V1)
    );
    assert_eq!(
        files
            .with_settings("gateway:\n  vpc_link: v2\n")
            .config
            .settings
            .gateway
            .vpc_link,
        Some(VpcLinkVersion::V2)
    );
    assert_eq!(
        at(
            &files.settings_errors("gateway:\n  vpc_link: v3\n"),
            "gateway.vpc_link"
        )
        .fix,
        "use `v1` or `v2`"
    );
}

#[test]
fn edge_endpoint_with_http_is_a_warning() {
    let files = Files::new();
    let loaded = files.with_settings("gateway:\n  endpoint_type: edge\n");
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    let w = &loaded.warnings[0];
    assert_eq!(
        (w.severity, w.field.as_str()),
        (Severity::Warning, "gateway.endpoint_type")
    );
    assert!(
        files
            .with_settings("gateway:\n  type: rest\n  endpoint_type: edge\n")
            .warnings
            .is_empty()
    );
}

#[test]
fn load_balancer_name_or_arn() {
    let files = Files::new();
    assert_eq!(
        files
            .with_settings("load_balancer: my-nlb-1\n")
            .config
            .settings
            .load_balancer
            .as_deref(),
        Some("my-nlb-1")
    );
    for bad in [
        "my_nlb",
        "a-very-long-load-balancer-name-that-is-too-long",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
    ] {
        let diags = files.settings_errors(&format!("load_balancer: {bad}\n"));
        assert_eq!(at(&diags, "load_balancer").value.as_deref(), Some(bad));
    }
}

#[test]
fn vpc_link_timeout_range_and_type() {
    let files = Files::new();
    assert_eq!(
        files
            .with_settings("gateway:\n  vpc_link_timeout_seconds: 3600\n")
            .config
            .settings
            .gateway
            .vpc_link_timeout_seconds,
        3600
    );
    let diags = files.settings_errors("gateway:\n  vpc_link_timeout_seconds: 5\n");
    assert_eq!(
        at(&diags, "gateway.vpc_link_timeout_seconds")
            .value
            .as_deref(),
        Some("5")
    );
    let diags = files.settings_errors("gateway:\n  vpc_link_timeout_seconds: ten minutes\n");
    let d = at(&diags, "gateway.vpc_link_timeout_seconds");
    assert!(
        d.message.starts_with("expected a whole number of seconds"),
        "{d}"
    );
    assert_eq!(d.value.as_deref(), Some("ten minutes"));
}

// ---------------------------------------------------------- env and overrides

#[test]
fn env_overrides_file_and_overrides_override_env() {
    let files = Files::new();
    files.write(
        SETTINGS_FILE_NAME,
        "gateway:\n  type: http\n  stage: from-file\n  domain: file.example.com\n  certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d\n",
    );
    let vars = [
        ("CORTEX_NET_GATEWAY__TYPE", "rest"),
        ("CORTEX_NET_GATEWAY__STAGE", "from-env"),
        ("CORTEX_NET_LOAD_BALANCER", "env-lb"),
        ("UNRELATED", "x"),
    ];
    let opts = files.cluster(CLUSTER);
    let gw = ok_env(&opts, &vars).config.settings;
    assert_eq!(gw.gateway.r#type, GatewayKind::Rest);
    assert_eq!(gw.gateway.stage.as_deref(), Some("from-env"));
    assert_eq!(
        gw.gateway.domain.as_deref(),
        Some("file.example.com"),
        "untouched keys keep the file value"
    );
    assert_eq!(gw.load_balancer.as_deref(), Some("env-lb"));

    let mut opts = files.cluster(CLUSTER);
    opts.overrides = Overrides {
        region: None,
        gateway_type: Some(GatewayKind::Http),
        stage: Some("from-cli".into()),
        load_balancer: Some("cli-lb".into()),
    };
    let s = ok_env(&opts, &vars).config.settings;
    assert_eq!(s.gateway.r#type, GatewayKind::Http);
    assert_eq!(s.gateway.stage.as_deref(), Some("from-cli"));
    assert_eq!(s.load_balancer.as_deref(), Some("cli-lb"));
}

#[test]
fn env_values_are_parsed_like_figment_env() {
    let files = Files::new();
    let s = ok_env(
        &files.cluster(CLUSTER),
        &[
            ("CORTEX_NET_GATEWAY__VPC_LINK_TIMEOUT_SECONDS", "900"),
            ("CORTEX_NET_GATEWAY__CORS", "true"),
        ],
    )
    .config
    .settings;
    assert_eq!(s.gateway.vpc_link_timeout_seconds, 900);
    assert_eq!(s.gateway.cors, Some(Cors::allow_all()));
}

#[test]
fn env_errors_name_the_variable() {
    let files = Files::new();
    let diags = errs_env(
        &files.cluster(CLUSTER),
        &[("CORTEX_NET_GATEWAY__TYPE", "soap")],
    );
    let d = at(&diags, "gateway.type");
    assert_eq!(
        d.file,
        PathBuf::from("environment variable CORTEX_NET_GATEWAY__TYPE")
    );
    assert_eq!(d.value.as_deref(), Some("soap"));
    assert_eq!(
        d.to_string(),
        "environment variable CORTEX_NET_GATEWAY__TYPE: gateway.type: not a valid value (got `soap`); fix: use `http` or `rest`"
    );
}

#[test]
fn override_errors_name_the_option() {
    let files = Files::new();
    let mut opts = files.cluster(CLUSTER);
    opts.overrides.stage = Some("no spaces".into());
    let diags = errs(&opts);
    assert_eq!(
        at(&diags, "gateway.stage").file,
        PathBuf::from("command-line option --stage")
    );
}

#[test]
fn unknown_env_settings() {
    let files = Files::new();
    let opts = files.cluster(CLUSTER);
    let fix = "rename the variable to CORTEX_NET_GATEWAY__TYPE (nested keys are joined with `__`, two underscores)";
    // A typo under `gateway`: an error, blamed on the variable, with the right name.
    let diags = errs_env(&opts, &[("CORTEX_NET_GATEWAY__TPYE", "rest")]);
    let d = at(&diags, "gateway.tpye");
    assert_eq!(
        d.file,
        PathBuf::from("environment variable CORTEX_NET_GATEWAY__TPYE")
    );
    assert_eq!(d.fix, fix);
    // One underscore instead of two, and a variable that is no setting at all: errors too,
    // never a silent fall-back to the default gateway.
    let diags = errs_env(
        &opts,
        &[
            ("CORTEX_NET_CLUSTER", "x.yaml"),
            ("CORTEX_NET_GATEWAY_TYPE", "rest"),
            ("CORTEX_NET_GATEWAY__", "rest"),
        ],
    );
    assert_eq!(diags.len(), 3, "{diags:#?}");
    let d = at(&diags, "gateway_type");
    assert_eq!(d.fix, fix);
    assert_eq!(d.value.as_deref(), Some("rest"));
    assert!(
        at(&diags, "cluster")
            .fix
            .starts_with("unset the variable; the settings are CORTEX_NET_")
    );
    // The suggested variable, applied, is a setting.
    let loaded = ok_env(&opts, &[("CORTEX_NET_GATEWAY__TYPE", "rest")]);
    assert_eq!(loaded.config.settings.gateway.r#type, GatewayKind::Rest);
    // The tooling's variables are not settings and are left alone.
    let loaded = ok_env(
        &opts,
        &[
            ("CORTEX_NET_LOG", "debug"),
            ("CORTEX_NET_BIN", "/x"),
            ("CORTEX_NET_E2E_DIR", "/y"),
        ],
    );
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn a_domain_from_the_environment_is_blamed_on_the_variable() {
    let files = Files::new();
    let opts = files.cluster(CLUSTER);
    let diags = errs_env(&opts, &[("CORTEX_NET_GATEWAY__DOMAIN", "api.example.com")]);
    assert_eq!(
        at(&diags, "gateway.domain").file,
        PathBuf::from("environment variable CORTEX_NET_GATEWAY__DOMAIN")
    );
}

#[test]
#[allow(clippy::result_large_err)] // Jail's closure returns figment::Error, not ours to shrink.
fn load_reads_the_process_environment() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("cluster.yaml", CLUSTER)?;
        jail.set_env("CORTEX_NET_GATEWAY__TYPE", "rest");
        jail.set_env("CORTEX_NET_LOAD_BALANCER", "jail-lb");
        let loaded = load(&LoadOptions::new(jail.directory().join("cluster.yaml")))
            .map_err(|e| e.to_string())?;
        assert_eq!(loaded.config.settings.gateway.r#type, GatewayKind::Rest);
        assert_eq!(
            loaded.config.settings.load_balancer.as_deref(),
            Some("jail-lb")
        );
        Ok(())
    });
}

// ---------------------------------------------------------------- cortex.yaml

const APIS: &str = r#"
- name: iris
  kind: RealtimeAPI
  pod:
    containers:
      - name: api
        image: quay.io/cortexlabs/iris:latest
  autoscaling:
    max_replicas: 3
- name: batch-job
  kind: BatchAPI
  networking:
    endpoint: /v1/batch/
    timeout: 20
- name: internal-only
  kind: AsyncAPI
  networking:
    api_gateway: none
    timeout: 600
"#;

#[test]
fn apis_are_resolved() {
    let files = Files::new();
    let opts = files.with_apis(CLUSTER, APIS);
    let loaded = ok(&opts);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let apis = loaded.config.apis.clone().expect("apis");
    assert_eq!(
        apis,
        vec![
            ApiConfig {
                name: "iris".into(),
                kind: "RealtimeAPI".into(),
                endpoint: "/iris".into(),
                api_gateway: ApiGateway::Public,
                timeout_seconds: None,
            },
            ApiConfig {
                name: "batch-job".into(),
                kind: "BatchAPI".into(),
                endpoint: "/v1/batch".into(),
                api_gateway: ApiGateway::Public,
                timeout_seconds: Some(20),
            },
            ApiConfig {
                name: "internal-only".into(),
                kind: "AsyncAPI".into(),
                endpoint: "/internal-only".into(),
                api_gateway: ApiGateway::None,
                timeout_seconds: Some(600),
            },
        ]
    );
    assert_eq!(loaded.config.files.apis, opts.apis_file);
    assert!(loaded.config.gateway_enabled());
}

#[test]
fn every_kind_is_accepted_and_others_are_not() {
    let files = Files::new();
    let text: String = API_KINDS
        .iter()
        .enumerate()
        .map(|(i, k)| format!("- name: api{i}\n  kind: {k}\n"))
        .collect();
    assert_eq!(
        ok(&files.with_apis(CLUSTER, &text))
            .config
            .apis
            .map(|a| a.len()),
        Some(5)
    );

    let diags = files.api_errors("- name: a\n  kind: LambdaAPI\n- name: b\n");
    assert_eq!(at(&diags, "[0].kind").value.as_deref(), Some("LambdaAPI"));
    assert_eq!(at(&diags, "[1].kind").message, "required key is missing");
}

#[test]
fn api_name_rules() {
    let files = Files::new();
    let diags = files.api_errors("- name: Iris\n  kind: RealtimeAPI\n- kind: RealtimeAPI\n- name: 2fast\n  kind: TaskAPI\n- name: ok-name\n  kind: TaskAPI\n");
    assert_eq!(at(&diags, "[0].name").value.as_deref(), Some("Iris"));
    assert_eq!(at(&diags, "[1].name").message, "required key is missing");
    assert_eq!(at(&diags, "[2].name").message, "must start with a letter");
    assert!(
        diags.iter().all(|d| !d.field.starts_with("[3]")),
        "{diags:#?}"
    );
    // The invalid name is not reported a second time through its default endpoint.
    assert_eq!(diags.len(), 3, "{diags:#?}");
}

#[test]
fn api_names_must_be_unique() {
    let files = Files::new();
    let diags = files.api_errors("- name: a\n  kind: RealtimeAPI\n- name: a\n  kind: RealtimeAPI\n  networking:\n    endpoint: /other\n");
    let d = at(&diags, "[1].name");
    assert_eq!(d.value.as_deref(), Some("a"));
    assert!(d.message.contains("[0]"), "{d}");
}

#[test]
fn endpoint_rules() {
    let files = Files::new();
    let cases = [
        ("iris", "must start with `/`"),
        ("/a//b", "must not contain adjacent slashes `//`"),
        ("/Iris", "contains `I`"),
        ("/", "must not be `/` alone"),
    ];
    for (endpoint, message) in cases {
        let diags = files.api_errors(&format!(
            "- name: a\n  kind: RealtimeAPI\n  networking:\n    endpoint: '{endpoint}'\n"
        ));
        let d = at(&diags, "[0].networking.endpoint");
        assert!(d.message.contains(message), "{endpoint}: {d}");
        assert_eq!(d.value.as_deref(), Some(endpoint));
    }
    let apis = ok(&files.with_apis(
        CLUSTER,
        "- name: a\n  kind: RealtimeAPI\n  networking:\n    endpoint: /a-b_c.d/e/\n",
    ))
    .config
    .apis;
    assert_eq!(
        apis.map(|a| a[0].endpoint.clone()).as_deref(),
        Some("/a-b_c.d/e")
    );
}

#[test]
fn endpoints_must_be_unique_after_normalisation() {
    let files = Files::new();
    let diags = files.api_errors("- name: a\n  kind: RealtimeAPI\n- name: b\n  kind: RealtimeAPI\n  networking:\n    endpoint: /a/\n");
    let d = at(&diags, "[1].networking.endpoint");
    assert_eq!(d.value.as_deref(), Some("/a"));
    assert!(d.message.contains("API `a`"), "{d}");
}

#[test]
fn apis_file_must_be_a_list() {
    let files = Files::new();
    let opts = files.with_apis(CLUSTER, "name: iris\nkind: RealtimeAPI\n");
    let diags = errs(&opts);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].file, files.path("cortex.yaml"));
    assert_eq!(diags[0].field, "");
    assert_eq!(
        diags[0].fix,
        "cortex.yaml holds a list of APIs: start each with `- name:`"
    );

    let diags = files.api_errors("- iris\n");
    assert_eq!(
        at(&diags, "[0]").message,
        "expected a mapping with `name`, `kind` and `networking`, found a string"
    );
}

#[test]
fn empty_apis_file_is_a_warning_and_disables_the_gateway() {
    let files = Files::new();
    let loaded = ok(&files.with_apis(CLUSTER, "# no APIs yet\n"));
    assert_eq!(loaded.config.apis, Some(vec![]));
    assert_eq!(loaded.warnings.len(), 1);
    assert!(!loaded.config.gateway_enabled());
}

#[test]
fn missing_apis_file_is_an_error() {
    let files = Files::new();
    let mut opts = files.cluster(CLUSTER);
    opts.apis_file = Some(files.path("cortex.yaml"));
    let diags = errs(&opts);
    assert_eq!(
        (diags[0].file.as_path(), diags[0].message.as_str()),
        (files.path("cortex.yaml").as_path(), "file not found")
    );
}

#[test]
fn apis_yaml_syntax_error_has_a_line() {
    let files = Files::new();
    let diags = files.api_errors("- name: a\n  kind: [RealtimeAPI\n");
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(diags[0].message.contains("line"), "{}", diags[0].message);
}

#[test]
fn bad_api_gateway_value() {
    let files = Files::new();
    let diags = files
        .api_errors("- name: a\n  kind: RealtimeAPI\n  networking:\n    api_gateway: private\n");
    let d = at(&diags, "[0].networking.api_gateway");
    assert_eq!(d.fix, "use `public` or `none`");
    assert_eq!(d.value.as_deref(), Some("private"));
}

// ------------------------------------------------------ the disabled rule

#[test]
fn explicit_public_api_on_a_disabled_cluster_is_an_error() {
    let files = Files::new();
    let opts = files.with_apis(
        "cluster_name: cortex\napi_gateway: disabled\n",
        "- name: a\n  kind: RealtimeAPI\n- name: b\n  kind: RealtimeAPI\n  networking:\n    api_gateway: public\n",
    );
    let diags = errs(&opts);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d.file, files.path("cortex.yaml"));
    assert_eq!(d.field, "[1].networking.api_gateway");
    assert_eq!(d.value.as_deref(), Some("public"));
    assert_eq!(
        d.message,
        "`api_gateway: public` is not permitted because api gateway is disabled cluster-wide"
    );
    assert!(d.fix.contains("`networking.api_gateway: none`"), "{d}");
    assert!(
        d.fix.contains("`api_gateway: public` in") && d.fix.contains("cluster.yaml"),
        "{d}"
    );
}

#[test]
fn apis_on_a_disabled_cluster_default_to_none() {
    let files = Files::new();
    let loaded = ok(&files.with_apis(
        "cluster_name: cortex\napi_gateway: disabled\n",
        "- name: a\n  kind: RealtimeAPI\n- name: b\n  kind: RealtimeAPI\n  networking:\n    api_gateway: none\n",
    ));
    let apis = loaded.config.apis.clone().expect("apis");
    assert!(
        apis.iter().all(|a| a.api_gateway == ApiGateway::None),
        "{apis:?}"
    );
    assert!(!loaded.config.gateway_enabled());
}

#[test]
fn gateway_enabled_needs_a_public_api() {
    let files = Files::new();
    let loaded = ok(&files.with_apis(
        CLUSTER,
        "- name: a\n  kind: RealtimeAPI\n  networking:\n    api_gateway: none\n",
    ));
    assert!(!loaded.config.gateway_enabled());
    let loaded = ok(&files.cluster("cluster_name: cortex\napi_gateway: disabled\n"));
    assert!(!loaded.config.gateway_enabled());
}

// ------------------------------------------------------------- timeouts

fn timeout_warnings(gateway: &str, timeout: &str) -> Vec<Diagnostic> {
    let files = Files::new();
    files.write(
        SETTINGS_FILE_NAME,
        &format!("gateway:\n  type: {gateway}\n"),
    );
    let loaded = ok(&files.with_apis(
        CLUSTER,
        &format!("- name: slow\n  kind: RealtimeAPI\n  networking:\n    timeout: {timeout}\n"),
    ));
    loaded.warnings
}

#[test]
fn http_timeout_limit_is_30_seconds() {
    assert!(timeout_warnings("http", "30").is_empty());
    let warnings = timeout_warnings("http", "31");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(w.field, "[0].networking.timeout");
    assert_eq!(w.value.as_deref(), Some("31"));
    assert!(
        w.message.contains("`slow`") && w.message.contains("30 s"),
        "{w}"
    );
    assert!(w.fix.contains("networking.api_gateway: none"), "{w}");
}

#[test]
fn rest_timeout_limit_is_29_seconds() {
    assert!(timeout_warnings("rest", "29").is_empty());
    let warnings = timeout_warnings("rest", "30");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("29 s"), "{}", warnings[0]);
}

#[test]
fn timeout_strings_are_durations() {
    assert!(timeout_warnings("http", "'30s'").is_empty());
    let warnings = timeout_warnings("http", "'45s'");
    assert_eq!(warnings[0].value.as_deref(), Some("45s"));
    assert_eq!(timeout_warnings("http", "1m").len(), 1);
}

#[test]
fn no_timeout_warning_for_apis_off_the_gateway() {
    let files = Files::new();
    let loaded = ok(&files.with_apis(
        CLUSTER,
        "- name: slow\n  kind: AsyncAPI\n  networking:\n    api_gateway: none\n    timeout: 900\n",
    ));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let loaded = ok(&files.with_apis(
        "cluster_name: cortex\napi_gateway: disabled\n",
        "- name: slow\n  kind: AsyncAPI\n  networking:\n    timeout: 900\n",
    ));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn bad_timeouts_are_errors() {
    let files = Files::new();
    for (timeout, message) in [
        ("soon", "not a duration"),
        ("0", "must be at least 1 second"),
        ("-5", "expected a whole number of seconds"),
        ("[1]", "found a list"),
    ] {
        let diags = files.api_errors(&format!(
            "- name: a\n  kind: RealtimeAPI\n  networking:\n    timeout: {timeout}\n"
        ));
        let d = at(&diags, "[0].networking.timeout");
        assert!(d.message.contains(message), "{timeout}: {d}");
    }
}

// ---------------------------------------------------- all errors at once

#[test]
fn every_error_is_reported_at_once() {
    let files = Files::new();
    let settings = files.write(
        SETTINGS_FILE_NAME,
        "gateway:\n  type: rest\n  stage: $default\n  tpye: http\n",
    );
    let opts = files.with_apis(
        "cluster_name: Bad_Name\nregion: moon-1\napi_load_balancer_scheme: public\n",
        "- name: a\n  kind: RealtimeAPI\n  networking:\n    endpoint: nope\n    timeout: 45\n- name: a\n  kind: Job\n",
    );
    let diags = errs_env(
        &opts,
        &[("CORTEX_NET_GATEWAY__VPC_LINK_TIMEOUT_SECONDS", "1")],
    );
    let cluster = &opts.cluster_file;
    let apis = files.path("cortex.yaml");
    let env_var =
        PathBuf::from("environment variable CORTEX_NET_GATEWAY__VPC_LINK_TIMEOUT_SECONDS");
    let expected: Vec<(Severity, &Path, &str, Option<&str>)> = vec![
        (Severity::Error, cluster, "cluster_name", Some("Bad_Name")),
        (Severity::Error, cluster, "region", Some("moon-1")),
        (
            Severity::Error,
            cluster,
            "api_load_balancer_scheme",
            Some("public"),
        ),
        (Severity::Error, &settings, "gateway.tpye", None),
        (
            Severity::Error,
            &settings,
            "gateway.stage",
            Some("$default"),
        ),
        (
            Severity::Error,
            &env_var,
            "gateway.vpc_link_timeout_seconds",
            Some("1"),
        ),
        (
            Severity::Error,
            &apis,
            "[0].networking.endpoint",
            Some("nope"),
        ),
        (
            Severity::Warning,
            &apis,
            "[0].networking.timeout",
            Some("45"),
        ),
        (Severity::Error, &apis, "[1].kind", Some("Job")),
        (Severity::Error, &apis, "[1].name", Some("a")),
    ];
    let got: Vec<(Severity, &Path, &str, Option<&str>)> = diags
        .iter()
        .map(|d| {
            (
                d.severity,
                d.file.as_path(),
                d.field.as_str(),
                d.value.as_deref(),
            )
        })
        .collect();
    assert_eq!(got, expected, "{}", fields(&diags).join(", "));

    // The error's Display: one line per diagnostic, errors and warnings alike.
    let err = ConfigError { diagnostics: diags };
    let text = err.to_string();
    assert_eq!(text.lines().count(), 10);
    assert!(
        text.lines()
            .any(|l| l.starts_with("warning: ") && l.contains("[0].networking.timeout")),
        "{text}"
    );
}

// ------------------------------------------------------------- output

#[test]
fn config_serializes_to_json_with_yaml_spellings() {
    let files = Files::new();
    files.write(SETTINGS_FILE_NAME, "gateway:\n  type: rest\n");
    let loaded = ok(&files.with_apis(CLUSTER, APIS));
    let json = serde_json::to_value(&loaded).expect("json");
    assert_eq!(json["config"]["settings"]["gateway"]["type"], "rest");
    assert_eq!(
        json["config"]["cluster"]["api_load_balancer_scheme"],
        "internet-facing"
    );
    assert_eq!(json["config"]["apis"][2]["api_gateway"], "none");
    assert_eq!(json["warnings"], serde_json::json!([]));
}

#[test]
fn a_domain_needs_a_certificate_from_either_file() {
    let files = Files::new();
    let diags = files.settings_errors("gateway:\n  domain: api.example.com\n");
    let d = at(&diags, "gateway.domain");
    assert!(d.message.contains("needs an ACM certificate"), "{d}");
    assert!(
        d.fix.contains("gateway.certificate_arn") && d.fix.contains("ssl_certificate_arn"),
        "{d}"
    );

    // The cluster's certificate serves when cortex-net.yaml names none.
    let files = Files::new();
    files.write(SETTINGS_FILE_NAME, "gateway:\n  domain: api.example.com\n");
    let loaded = ok(&files.cluster(
        "cluster_name: prod\nssl_certificate_arn: arn:aws:acm:us-west-2:123456789012:certificate/x\n",
    ));
    assert_eq!(
        loaded.config.domain_certificate(),
        Some("arn:aws:acm:us-west-2:123456789012:certificate/x")
    );
}
