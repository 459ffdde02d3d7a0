//! The vocabulary every crate shares: which gateway kind, which load balancer, which scheme.
//!
//! One type per concept, parsed once where input enters (YAML, flags) and matched exhaustively
//! everywhere else, so that adding a gateway kind makes the compiler point at every decision
//! that depends on it.

/// Defines a closed set of spellings: the enum, its serde names, `Display`, `FromStr`,
/// `as_str` and the list of accepted spellings ([`ParseEnumError`] on anything else). Used here
/// and by `netconf` for Cortex's own enums.
#[macro_export]
macro_rules! spelled_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $spelling:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $spelling)] $variant, )+
        }

        impl $name {
            /// Every accepted spelling, in declaration order.
            pub const SPELLINGS: &'static [&'static str] = &[$($spelling),+];
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling of this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $spelling, )+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ParseEnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $spelling => Ok($name::$variant), )+
                    _ => Err($crate::ParseEnumError { value: s.to_string(), allowed: Self::SPELLINGS }),
                }
            }
        }
    };
}

/// A string that is not one of an enum's spellings (returned by the `FromStr` impls).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value `{value}`: use {}", one_of(.allowed))]
pub struct ParseEnumError {
    /// What was given.
    pub value: String,
    /// The accepted spellings.
    pub allowed: &'static [&'static str],
}

/// Renders `["a", "b", "c"]` as "`a`, `b` or `c`".
pub fn one_of(allowed: &[&str]) -> String {
    let quoted: Vec<String> = allowed.iter().map(|s| format!("`{s}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

spelled_enum! {
    /// Which API Gateway product fronts the cluster (`gateway.type`, `--gateway-type`). Also
    /// the value of [`crate::GATEWAY_TAG`] on resources two kinds could share.
    #[derive(Default)]
    GatewayKind {
        /// An HTTP API (`apigatewayv2`).
        #[default]
        Http => "http",
        /// A REST API (`apigateway`).
        Rest => "rest",
    }
}

/// The per-kind facts: everything that differs between gateway kinds without needing AWS.
impl GatewayKind {
    /// How people and AWS's documentation name it: "HTTP API", "REST API".
    pub fn label(self) -> &'static str {
        match self {
            GatewayKind::Http => "HTTP API",
            GatewayKind::Rest => "REST API",
        }
    }

    /// The stage used when `gateway.stage` is not set.
    pub fn default_stage(self) -> &'static str {
        match self {
            GatewayKind::Http => "$default",
            GatewayKind::Rest => "dev",
        }
    }

    /// The longest integration timeout API Gateway allows for this kind, in seconds.
    pub fn max_integration_timeout_seconds(self) -> u64 {
        match self {
            GatewayKind::Http => 30,
            GatewayKind::Rest => 29,
        }
    }

    /// The AWS API (and AWS CLI command) that manages it: `apigatewayv2`, `apigateway`.
    pub fn aws_api(self) -> &'static str {
        match self {
            GatewayKind::Http => "apigatewayv2",
            GatewayKind::Rest => "apigateway",
        }
    }

    /// Whether `stage` is a stage name this kind accepts: `$default` only on HTTP APIs, else
    /// letters, digits, `-` and `_`, at most 128 characters.
    pub fn accepts_stage(self, stage: &str) -> bool {
        let named = !stage.is_empty()
            && stage.len() <= 128
            && stage
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        match self {
            GatewayKind::Http => stage == "$default" || named,
            GatewayKind::Rest => named,
        }
    }
}

spelled_enum! {
    /// A load balancer's scheme (Cortex's `api_load_balancer_scheme`, AWS's `Scheme`).
    #[derive(Default)]
    Scheme {
        #[default]
        InternetFacing => "internet-facing",
        Internal => "internal",
    }
}

spelled_enum! {
    /// The kind of load balancer in front of Cortex's APIs.
    LoadBalancerKind {
        Network => "network",
        Application => "application",
        /// A Gateway Load Balancer (GWLB): found by discovery, never a gateway's backend.
        Gateway => "gateway",
        Classic => "classic",
    }
}

spelled_enum! {
    /// A REST API's (and its custom domain's) endpoint type; HTTP APIs are always regional.
    #[derive(Default)]
    EndpointType {
        #[default]
        Regional => "regional",
        Edge => "edge",
    }
}

spelled_enum! {
    /// A VPC link generation: v1 (`apigateway`, REST to an NLB) or v2 (`apigatewayv2`).
    VpcLinkVersion {
        V1 => "v1",
        V2 => "v2",
    }
}

impl EndpointType {
    /// As the apigateway API spells it.
    pub fn as_aws(self) -> &'static str {
        match self {
            EndpointType::Regional => "REGIONAL",
            EndpointType::Edge => "EDGE",
        }
    }
}

impl LoadBalancerKind {
    /// The label people use: "Network Load Balancer" ...
    pub fn label(self) -> &'static str {
        match self {
            LoadBalancerKind::Network => "Network Load Balancer",
            LoadBalancerKind::Application => "Application Load Balancer",
            LoadBalancerKind::Gateway => "Gateway Load Balancer",
            LoadBalancerKind::Classic => "Classic Load Balancer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_their_spellings_only() {
        for kind in GatewayKind::ALL {
            assert_eq!(kind.as_str().parse::<GatewayKind>(), Ok(*kind));
        }
        let err = "REST".parse::<GatewayKind>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown value `REST`: use `http` or `rest`"
        );
        assert_eq!(GatewayKind::default(), GatewayKind::Http);
    }

    #[test]
    fn per_kind_facts() {
        assert_eq!(GatewayKind::Http.default_stage(), "$default");
        assert_eq!(GatewayKind::Rest.default_stage(), "dev");
        for kind in GatewayKind::ALL {
            assert!(kind.accepts_stage(kind.default_stage()), "{kind}");
        }
        assert!(!GatewayKind::Rest.accepts_stage("$default"));
        assert!(!GatewayKind::Http.accepts_stage("a b"));
        assert_eq!(GatewayKind::Rest.max_integration_timeout_seconds(), 29);
    }

    #[test]
    fn serde_uses_the_spellings() {
        let json = serde_json::to_string(&Scheme::InternetFacing).unwrap();
        assert_eq!(json, "\"internet-facing\"");
        let kind: LoadBalancerKind = serde_json::from_str("\"application\"").unwrap();
        assert_eq!(kind, LoadBalancerKind::Application);
        let link: VpcLinkVersion = serde_json::from_str("\"v2\"").unwrap();
        assert_eq!(
            (link, link.to_string()),
            (VpcLinkVersion::V2, "v2".to_string())
        );
    }
}
