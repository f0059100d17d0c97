//! YAML in and out, in one place: serde_yaml is deprecated upstream, so the rest
//! of the code never calls it directly and it can be swapped here alone.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Parses YAML (and so JSON, which is YAML) into `T`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_yaml::from_str(text).map_err(|e| e.to_string())
}

/// Prints `value` as a YAML document.
pub fn print<T: Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_yaml::to_string(value)?)
}
