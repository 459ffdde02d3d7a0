//! The protection settings through [`crate::load_with_env`]: what loads, and for each rule
//! the diagnostic, naming its source (file and field, or variable), the value and the fix.

use std::path::PathBuf;

use tempfile::TempDir;

use crate::{
    Auth, Diagnostic, KeySource, LoadOptions, Loaded, QuotaPeriod, RouteProtection,
    SETTINGS_FILE_NAME, Throttle, load_with_env,
};

const CLUSTER: &str = "cluster_name: cortex\nregion: us-west-2\n";
const APIS: &str = "- name: iris-classifier\n  kind: RealtimeAPI\n- name: text-generator\n  kind: RealtimeAPI\n\
                    - name: hidden\n  kind: AsyncAPI\n  networking:\n    api_gateway: none\n";
const SECRET: &str = "s3cr3t-partner-b-key-0123456789";
const ARN: &str = "arn:aws:logs:us-west-2:123456789012:log-group:cortex-api";

/// Input files in a temporary directory.
struct Case {
    dir: TempDir,
    apis: bool,
    env: Vec<(String, String)>,
}

impl Case {
    fn new(settings: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("cluster.yaml"), CLUSTER).expect("cluster");
        std::fs::write(dir.path().join(SETTINGS_FILE_NAME), settings).expect("settings");
        std::fs::write(dir.path().join("cortex.yaml"), APIS).expect("apis");
        Case {
            dir,
            apis: true,
            env: Vec::new(),
        }
    }

    fn without_apis(mut self) -> Self {
        self.apis = false;
        self
    }

    fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    fn file(self, name: &str, text: &str) -> Self {
        std::fs::write(self.dir.path().join(name), text).expect("file");
        self
    }

    fn settings_path(&self) -> PathBuf {
        self.dir.path().join(SETTINGS_FILE_NAME)
    }

    fn load(&self) -> Result<Loaded, Vec<Diagnostic>> {
        let mut options = LoadOptions::new(self.dir.path().join("cluster.yaml"));
        if self.apis {
            options.apis_file = Some(self.dir.path().join("cortex.yaml"));
        }
        load_with_env(&options, self.env.clone()).map_err(|e| e.diagnostics)
    }

    fn ok(&self) -> Loaded {
        self.load()
            .unwrap_or_else(|d| panic!("expected success, got {d:#?}"))
    }

    fn errors(&self) -> Vec<Diagnostic> {
        match self.load() {
            Ok(loaded) => panic!("expected errors, got {loaded:#?}"),
            Err(diags) => diags,
        }
    }

    /// The one error about `field`, checked to name the settings file.
    fn error(&self, field: &str) -> Diagnostic {
        let diags = self.errors();
        let hits: Vec<&Diagnostic> = diags.iter().filter(|d| d.field == field).collect();
        match hits.as_slice() {
            [one] => {
                assert_eq!(one.file, self.settings_path(), "{one}");
                assert!(!one.fix.is_empty(), "{one}");
                (*one).clone()
            }
            _ => panic!("expected one diagnostic for `{field}`, got {diags:#?}"),
        }
    }
}

fn rest(rest_of_file: &str) -> String {
    format!("gateway:\n  type: rest\n{rest_of_file}")
}

fn http(rest_of_file: &str) -> String {
    format!("gateway:\n  type: http\n{rest_of_file}")
}

const PARTNERS: &str = "api_keys:\n  - name: partner-a\n  - name: partner-b\n    value_env: PARTNER_B_KEY\n\
                        usage_plans:\n  - name: partners\n    throttle: {rate: 10, burst: 20}\n    \
                        quota: {limit: 10000, period: month}\n    keys: [partner-a, partner-b]\n";

#[test]
fn a_rest_gateway_with_keys_plans_throttles_and_logs_loads() {
    let settings = format!(
        "gateway:\n  type: rest\n  auth: api_key\n  throttle: {{rate: 100, burst: 200}}\n  \
         access_logs:\n    destination_arn: {ARN}\napis:\n  iris-classifier:\n    auth: iam\n    \
         throttle: {{rate: 5, burst: 10}}\n{PARTNERS}"
    );
    let loaded = Case::new(&settings).env("PARTNER_B_KEY", SECRET).ok();
    let protection = &loaded.config.settings.protection;
    assert_eq!(protection.auth, Auth::ApiKey);
    assert_eq!(
        protection.throttle,
        Some(Throttle {
            rate: 100,
            burst: 200
        })
    );
    let log = protection.access_logs.as_ref().expect("access logs");
    assert_eq!(
        (log.destination_arn.as_str(), log.format.as_str()),
        (ARN, gw_core::ACCESS_LOG_FORMAT)
    );
    let keys = &protection.api_keys;
    assert_eq!(keys[0].source, KeySource::Generated);
    assert_eq!(keys[0].value, None);
    assert_eq!(keys[1].source, KeySource::Env("PARTNER_B_KEY".into()));
    assert_eq!(keys[1].value.as_ref().map(|v| v.expose()), Some(SECRET));
    let plan = &protection.usage_plans[0];
    assert_eq!(plan.keys, ["partner-a", "partner-b"]);
    assert_eq!(
        plan.quota.map(|q| (q.limit, q.period)),
        Some((10000, QuotaPeriod::Month))
    );
    assert_eq!(
        plan.throttle,
        Some(Throttle {
            rate: 10,
            burst: 20
        })
    );
    // The override, else the default.
    let config = &loaded.config;
    assert_eq!(
        config.route_protection(Some("iris-classifier")),
        RouteProtection {
            auth: Auth::Iam,
            scopes: Vec::new(),
            throttle: Some(Throttle { rate: 5, burst: 10 })
        }
    );
    assert_eq!(
        config.route_protection(Some("text-generator")).auth,
        Auth::ApiKey
    );
    assert_eq!(config.route_protection(None).auth, Auth::ApiKey);
    let gateway = protection.gateway();
    assert_eq!(gateway.api_keys.len(), 2);
    assert_eq!(gateway.access_log.as_ref(), Some(log));
    // Never printed: not in Debug, JSON or the summary.
    let shown = format!(
        "{loaded:?}{}{}",
        serde_json::to_string(&loaded).unwrap_or_default(),
        protection.summary()
    );
    assert!(!shown.contains(SECRET), "{shown}");
    assert_eq!(
        protection.summary(),
        format!(
            "auth api_key (iris-classifier: iam); throttle rate=100 burst=200; 1 per-API throttle(s); \
             access logs to {ARN}; API keys partner-a, partner-b (from $PARTNER_B_KEY); usage plans partners (2 key(s))"
        )
    );
}

#[test]
fn an_http_gateway_with_jwt_scopes_per_api() {
    let settings = http(
        "  auth: jwt\n  jwt:\n    issuer: https://issuer.example.com/pool\n    audiences: [client]\n\
         apis:\n  iris-classifier:\n    scopes: [iris/read]\n  text-generator:\n    auth: none\n",
    );
    let config = Case::new(&settings).ok().config;
    let jwt = config.settings.protection.jwt.clone().expect("jwt");
    assert_eq!(jwt.issuer, "https://issuer.example.com/pool");
    assert_eq!(jwt.audiences, ["client"]);
    assert_eq!(
        config.route_protection(Some("iris-classifier")).scopes,
        ["iris/read"]
    );
    assert_eq!(
        config.route_protection(Some("text-generator")).auth,
        Auth::None
    );
}

#[test]
fn an_unknown_auth_type_lists_the_four() {
    let case = Case::new(&http("  auth: oauth\n"));
    let d = case.error("gateway.auth");
    assert_eq!(d.value.as_deref(), Some("oauth"));
    assert_eq!(d.fix, "use `none`, `iam`, `jwt` or `api_key`");
}

#[test]
fn jwt_needs_http_and_api_keys_need_rest() {
    let d = Case::new(&rest("  auth: jwt\n")).error("gateway.auth");
    assert_eq!(d.message, "JWT authorizers need `gateway.type: http`");
    assert_eq!(d.value.as_deref(), Some("jwt"));
    assert!(d.fix.starts_with("set `gateway.type: http`"), "{d}");

    let d = Case::new(&http("apis:\n  iris-classifier:\n    auth: api_key\n"))
        .error("apis.iris-classifier.auth");
    assert_eq!(d.message, "API keys need `gateway.type: rest`");
    assert_eq!(d.value.as_deref(), Some("api_key"));
    assert!(d.fix.starts_with("set `gateway.type: rest`"), "{d}");

    let case = Case::new(&http(PARTNERS)).env("PARTNER_B_KEY", SECRET);
    let d = case.error("api_keys");
    assert_eq!(d.message, "API keys need `gateway.type: rest`");
    let d = case.error("usage_plans");
    assert_eq!(d.message, "usage plans need `gateway.type: rest`");

    let d = Case::new(&rest(
        "  jwt:\n    issuer: https://a.example.com\n    audiences: [x]\n",
    ))
    .error("gateway.jwt");
    assert_eq!(d.message, "JWT authorizers need `gateway.type: http`");
}

#[test]
fn jwt_in_effect_needs_a_complete_authorizer() {
    let d = Case::new(&http("  auth: jwt\n")).error("gateway.auth");
    assert!(d.message.contains("`gateway.jwt` is not configured"), "{d}");
    assert!(d.fix.contains("issuer: https://"), "{d}");
    // An override in effect is blamed; one on an API off the gateway is not in effect.
    let d = Case::new(&http("apis:\n  text-generator:\n    auth: jwt\n"))
        .error("apis.text-generator.auth");
    assert!(d.message.contains("`gateway.jwt` is not configured"), "{d}");

    let d =
        Case::new(&http("  auth: jwt\n  jwt:\n    audiences: [x]\n")).error("gateway.jwt.issuer");
    assert_eq!(d.message, "required key is missing");
    let d = Case::new(&http(
        "  auth: jwt\n  jwt:\n    isuer: https://a.example.com\n    audiences: [x]\n",
    ))
    .errors();
    assert!(
        d.iter()
            .any(|d| d.field == "gateway.jwt.issuer" && d.fix.contains("rename `isuer`")),
        "{d:#?}"
    );

    let d = Case::new(&http(
        "  auth: jwt\n  jwt:\n    issuer: http://a.example.com\n    audiences: [x]\n",
    ))
    .error("gateway.jwt.issuer");
    assert_eq!(d.value.as_deref(), Some("http://a.example.com"));
    assert!(d.fix.contains("`https://a.example.com`"), "{d}");

    let d = Case::new(&http(
        "  auth: jwt\n  jwt:\n    issuer: https://a.example.com\n    audiences: []\n",
    ))
    .error("gateway.jwt.audiences");
    assert!(d.message.contains("at least one audience"), "{d}");
    assert!(d.fix.contains("audiences: [my-client-id]"), "{d}");
}

#[test]
fn scopes_only_with_jwt() {
    let d = Case::new(&http(
        "apis:\n  iris-classifier:\n    auth: iam\n    scopes: [iris/read]\n",
    ))
    .error("apis.iris-classifier.scopes");
    assert!(
        d.message
            .contains("`auth: jwt` only; this API's auth is `iam`"),
        "{d}"
    );
    assert!(d.fix.contains("remove `scopes`"), "{d}");
}

#[test]
fn throttles_are_whole_numbers_within_reason() {
    for (rate, message) in [
        ("-5", "must not be negative"),
        ("0", "must be at least 1"),
        ("2.5", "must be a whole number"),
        ("1000000000", "is more than 100000, the most accepted"),
        ("fast", "expected a whole number, found a string"),
    ] {
        let d = Case::new(&http(&format!("  throttle: {{rate: {rate}, burst: 10}}\n")))
            .error("gateway.throttle.rate");
        assert_eq!(d.message, message, "{rate}");
        assert_eq!(d.value.as_deref(), Some(rate), "{d}");
        assert!(
            d.fix.contains("10,000 requests/s with a burst of 5,000"),
            "{d}"
        );
    }
    let d = Case::new(&http("  throttle: {rate: 5}\n")).error("gateway.throttle.burst");
    assert_eq!(d.message, "required key is missing");
    let d = Case::new(&http(
        "apis:\n  iris-classifier:\n    throttle: {rate: 5, burts: 5}\n",
    ))
    .errors();
    assert!(
        d.iter()
            .any(|d| d.field == "apis.iris-classifier.throttle.burts"
                && d.message.contains("did you mean")),
        "{d:#?}"
    );
}

#[test]
fn quotas_have_a_limit_and_a_period() {
    let plan = |quota: &str| {
        rest(&format!(
            "api_keys:\n  - name: a\nusage_plans:\n  - name: p\n    keys: [a]\n    quota: {quota}\n"
        ))
    };
    let d =
        Case::new(&plan("{limit: 99999999999, period: month}")).error("usage_plans[0].quota.limit");
    assert_eq!(d.message, "is more than 2147483647, the most accepted");
    assert_eq!(d.value.as_deref(), Some("99999999999"));
    assert!(d.fix.contains("from 1 to 2147483647"), "{d}");
    let d = Case::new(&plan("{limit: 10, period: year}")).error("usage_plans[0].quota.period");
    assert_eq!(d.fix, "use `day`, `week` or `month`");
}

#[test]
fn api_key_names_are_valid_and_unique() {
    let d = Case::new(&rest("api_keys:\n  - name: 'a/b'\n")).error("api_keys[0].name");
    assert_eq!(d.value.as_deref(), Some("a/b"));
    assert!(d.fix.contains("1-128 letters"), "{d}");
    let d = Case::new(&rest(
        "api_keys:\n  - name: partner\n  - name: other\n  - name: partner\n",
    ))
    .error("api_keys[2].name");
    assert_eq!(
        d.message,
        "the API key name is already used by `api_keys[0].name`"
    );
    assert_eq!(d.value.as_deref(), Some("partner"));
    assert!(d.fix.contains("`api_keys[0]`"), "{d}");
}

#[test]
fn key_values_never_come_in_clear_and_are_never_shown() {
    let case = Case::new(&rest(&format!(
        "api_keys:\n  - name: a\n    value: {SECRET}\n"
    )));
    let d = case.error("api_keys[0].value");
    assert_eq!(
        d.message,
        "an API key value is never in the file in clear: use value_env or value_file"
    );
    assert_eq!(d.value, None);
    assert!(!d.to_string().contains(SECRET), "{d}");

    let case = Case::new(&rest(
        "api_keys:\n  - name: a\n    value_env: K\n    value_file: k.txt\n",
    ));
    assert!(
        case.error("api_keys[0].value_file")
            .message
            .contains("not both")
    );

    let d = Case::new(&rest(
        "api_keys:\n  - name: a\n    value_env: PARTNER_KEY\n",
    ))
    .error("api_keys[0].value_env");
    assert_eq!(d.message, "the environment variable PARTNER_KEY is not set");
    assert_eq!(d.value.as_deref(), Some("PARTNER_KEY"));
    let d = Case::new(&rest(
        "api_keys:\n  - name: a\n    value_env: PARTNER_KEY\n",
    ))
    .env("PARTNER_KEY", "")
    .error("api_keys[0].value_env");
    assert_eq!(d.message, "the environment variable PARTNER_KEY is empty");

    let short = "tooshort-secret";
    let case = Case::new(&rest(
        "api_keys:\n  - name: a\n    value_env: PARTNER_KEY\n",
    ))
    .env("PARTNER_KEY", short);
    let diags = case.errors();
    let text = format!("{diags:?}");
    assert!(!text.contains(short), "{text}");
    let d = case.error("api_keys[0].value_env");
    assert!(
        d.message
            .contains("15 characters long; AWS requires 20 to 128"),
        "{d}"
    );
}

#[test]
fn key_values_from_files_relative_to_the_settings() {
    let case = Case::new(&rest(
        "api_keys:\n  - name: a\n    value_file: keys/a.key\n",
    ));
    std::fs::create_dir(case.dir.path().join("keys")).expect("dir");
    let case = case.file("keys/a.key", &format!("{SECRET}\nsecond line\n"));
    let loaded = case.ok();
    let key = &loaded.config.settings.protection.api_keys[0];
    assert_eq!(key.source, KeySource::File("keys/a.key".into()));
    assert_eq!(key.value.as_ref().map(|v| v.expose()), Some(SECRET));

    let d = Case::new(&rest(
        "api_keys:\n  - name: a\n    value_file: missing.key\n",
    ))
    .error("api_keys[0].value_file");
    assert!(
        d.message
            .starts_with("the key file cannot be read: file not found"),
        "{d}"
    );
    assert_eq!(d.value.as_deref(), Some("missing.key"));
    let case =
        Case::new(&rest("api_keys:\n  - name: a\n    value_file: a.key\n")).file("a.key", "\n");
    assert!(
        case.error("api_keys[0].value_file")
            .message
            .contains("is empty")
    );
}

#[test]
fn usage_plans_are_unique_and_list_defined_keys_once() {
    let d = Case::new(&rest(
        "api_keys:\n  - name: partner-a\nusage_plans:\n  - name: p\n    keys: [partner-b]\n",
    ))
    .error("usage_plans[0].keys[0]");
    assert!(d.message.contains("did you mean `partner-a`?"), "{d}");
    assert_eq!(d.value.as_deref(), Some("partner-b"));
    assert!(d.fix.starts_with("use `partner-a`"), "{d}");

    let d =
        Case::new(&rest("usage_plans:\n  - name: p\n  - name: p\n")).error("usage_plans[1].name");
    assert_eq!(
        d.message,
        "the usage plan name is already used by `usage_plans[0].name`"
    );

    let d = Case::new(&rest(
        "api_keys:\n  - name: a\nusage_plans:\n  - name: p\n    keys: [a]\n  - name: q\n    keys: [a]\n",
    ))
    .error("usage_plans[1].keys[0]");
    assert!(
        d.message.contains("already in usage plan `usage_plans[0]`"),
        "{d}"
    );

    // A plan without keys is allowed.
    let loaded = Case::new(&rest("usage_plans:\n  - name: empty\n")).ok();
    assert!(
        loaded.config.settings.protection.usage_plans[0]
            .keys
            .is_empty()
    );
}

#[test]
fn api_key_auth_needs_a_key_in_a_plan() {
    let d = Case::new(&rest(
        "  auth: api_key\napi_keys:\n  - name: a\nusage_plans:\n  - name: p\n",
    ))
    .error("gateway.auth");
    assert!(d.message.contains("nobody could call the API"), "{d}");
    assert_eq!(d.value.as_deref(), Some("api_key"));
    assert!(
        d.fix
            .contains("usage_plans: [{name: partners, keys: [partner-a]}]"),
        "{d}"
    );
    // On an API off the gateway it is not in effect: its override is the error instead.
    let d = Case::new(&rest("apis:\n  hidden:\n    auth: api_key\n")).error("apis.hidden");
    assert!(d.message.contains("not on the gateway"), "{d}");
    assert!(
        d.fix.contains("`networking.api_gateway: public`")
            && d.fix.contains("remove `apis.hidden`"),
        "{d}"
    );
}

#[test]
fn overrides_on_a_cluster_without_the_gateway() {
    let case = Case::new(&http("apis:\n  iris-classifier:\n    auth: iam\n"));
    let cluster = format!("{CLUSTER}api_gateway: disabled\n");
    std::fs::write(case.dir.path().join("cluster.yaml"), cluster).expect("cluster");
    let d = case.error("apis.iris-classifier");
    assert!(d.message.contains("disabled cluster-wide"), "{d}");
    assert_eq!(
        d.fix,
        "remove `apis.iris-classifier`, or set `api_gateway: public` in cluster.yaml"
    );
}

#[test]
fn overrides_name_apis_of_the_api_file() {
    let d =
        Case::new(&http("apis:\n  iris-clasifier:\n    auth: iam\n")).error("apis.iris-clasifier");
    assert!(d.message.contains("did you mean `iris-classifier`?"), "{d}");
    assert_eq!(
        d.fix,
        "rename `apis.iris-clasifier` to `apis.iris-classifier`"
    );
    // Without an API file there is nothing to check them against.
    Case::new(&http("apis:\n  iris-clasifier:\n    auth: iam\n"))
        .without_apis()
        .ok();
}

#[test]
fn access_logs_go_to_a_log_group_and_log_the_request_id() {
    let d = Case::new(&http(&format!(
        "  access_logs:\n    destination_arn: '{ARN}:*'\n"
    )))
    .error("gateway.access_logs.destination_arn");
    assert_eq!(d.fix, format!("use `{ARN}`"));
    let d = Case::new(&http(
        "  access_logs:\n    destination_arn: arn:aws:s3:::bucket\n",
    ))
    .error("gateway.access_logs.destination_arn");
    assert_eq!(d.message, "is not a CloudWatch Logs log group ARN");
    let d = Case::new(&http(&format!(
        "  access_logs:\n    destination_arn: {ARN}\n    format: '$context.path'\n"
    )))
    .error("gateway.access_logs.format");
    assert_eq!(
        d.message,
        "must contain `$context.requestId` (AWS requires it)"
    );
    assert_eq!(d.value.as_deref(), Some("$context.path"));
}

#[test]
fn variables_set_protection_and_are_blamed() {
    let case = Case::new("")
        .env("CORTEX_NET_GATEWAY__AUTH", "iam")
        .env("CORTEX_NET_APIS__IRIS-CLASSIFIER__THROTTLE__RATE", "5")
        .env("CORTEX_NET_APIS__IRIS-CLASSIFIER__THROTTLE__BURST", "10");
    let config = case.ok().config;
    assert_eq!(config.settings.protection.auth, Auth::Iam);
    assert_eq!(
        config.route_protection(Some("iris-classifier")).throttle,
        Some(Throttle { rate: 5, burst: 10 })
    );

    let diags = Case::new("")
        .env("CORTEX_NET_GATEWAY__THROTTLE__RATE", "-1")
        .env("CORTEX_NET_GATEWAY__THROTTLE__BURST", "1")
        .errors();
    let d = diags
        .iter()
        .find(|d| d.field == "gateway.throttle.rate")
        .expect("rate");
    assert_eq!(
        d.file,
        PathBuf::from("environment variable CORTEX_NET_GATEWAY__THROTTLE__RATE")
    );
    assert_eq!(d.value.as_deref(), Some("-1"));

    let diags = Case::new("").env("CORTEX_NET_API_KEYS", "[a]").errors();
    assert_eq!(
        diags[0].file,
        PathBuf::from("environment variable CORTEX_NET_API_KEYS")
    );
    assert!(
        diags[0].message.contains("cortex-net.yaml only"),
        "{}",
        diags[0]
    );
}
