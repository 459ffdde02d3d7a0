//! A JSON value as block YAML, the way CloudFormation templates are usually read: mappings and
//! sequences indented, every string double-quoted with JSON's escapes (valid YAML, so no value
//! can be mistaken for a number, a boolean or YAML syntax), keys bare when they are plainly safe.
//! Written here rather than through serde-saphyr: its serializer is not enabled in this build,
//! and the templates only need this much.

use serde_json::Value;

/// `value` as a YAML document (ending in a newline).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_sequence(&mut out, items, 0),
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n(' ', level * 2));
}

/// Whether a key may go unquoted: letters, digits and `_ - . : /`, starting with a letter,
/// never ending with `:`.
fn is_plain_key(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:/".contains(c))
        && !key.ends_with(':')
        && !matches!(
            key.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        )
}

fn key_text(key: &str) -> String {
    if is_plain_key(key) {
        key.to_string()
    } else {
        Value::String(key.to_string()).to_string()
    }
}

/// A scalar, or an empty collection in flow style.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
        other => other.to_string(),
    }
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    }
}

/// Keys a template's reader looks for first, in this order; the others follow sorted.
const LEADING_KEYS: [&str; 8] = [
    "AWSTemplateFormatVersion",
    "Description",
    "Parameters",
    "Resources",
    "Outputs",
    "Type",
    "DependsOn",
    "Properties",
];

fn ordered(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    // Sorted here whatever order the map keeps (serde_json's depends on its features).
    entries.sort_by_key(|(key, _)| {
        let leading = LEADING_KEYS.iter().position(|k| k == key);
        (leading.unwrap_or(LEADING_KEYS.len()), key.as_str())
    });
    entries
}

fn write_mapping(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    for (key, value) in ordered(map) {
        indent(out, level);
        out.push_str(&key_text(key));
        out.push(':');
        write_value(out, value, level + 1);
    }
}

fn write_sequence(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            // The mapping's first key on the dash's line, the others aligned under it.
            Value::Object(map) if !map.is_empty() => {
                let mut nested = String::new();
                write_mapping(&mut nested, map, level + 1);
                out.push(' ');
                out.push_str(nested.trim_start());
            }
            other => write_value(out, other, level + 1),
        }
    }
}

/// After `key:` or `-`: a scalar on the same line, a collection on the next ones.
fn write_value(out: &mut String, value: &Value, level: usize) {
    if is_block(value) {
        out.push('\n');
        match value {
            Value::Object(map) => write_mapping(out, map, level),
            Value::Array(items) => write_sequence(out, items, level),
            _ => {}
        }
    } else {
        out.push(' ');
        out.push_str(&scalar_text(value));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_yaml_with_every_string_quoted() {
        let value = json!({
            "Resources": {
                "RestApi": {
                    "Type": "AWS::ApiGateway::RestApi",
                    "Properties": {
                        "Tags": [{ "Key": "managed-by", "Value": "cortex-net" }],
                        "Body": { "/iris/{proxy+}": {}, "200": [] },
                        "Yes": 5,
                        "Nested": [[1], ["a: b"]],
                        "Quote": "say \"hi\"\n${AWS::Region}",
                    },
                },
            },
        });
        let expected = r#"Resources:
  RestApi:
    Type: "AWS::ApiGateway::RestApi"
    Properties:
      Body:
        "/iris/{proxy+}": {}
        "200": []
      Nested:
        -
          - 1
        -
          - "a: b"
      Quote: "say \"hi\"\n${AWS::Region}"
      Tags:
        - Key: "managed-by"
          Value: "cortex-net"
      "Yes": 5
"#;
        assert_eq!(to_yaml(&value), expected);
    }
}
