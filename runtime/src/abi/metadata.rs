//! The [`Metadata`] a policy module carries in its `dexp` custom section, and its checks.
//!
//! The section is the UTF-8 JSON of [`Metadata`], fields in the order declared here. A host
//! reads `abi_version` first and refuses any other version before reading the rest, so a later
//! version may change everything else.

use super::{Counter, Layout, LayoutError, Shape, ABI_VERSION};
use crate::schema::Schema;
use serde::{Deserialize, Serialize};

/// What a policy module says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// The contract version the module was built for: [`ABI_VERSION`].
    pub abi_version: u32,
    /// The policy's name.
    pub policy: String,
    /// The policy's version, as its author wrote it.
    pub version: String,
    /// A hash of the policy source, as lowercase hexadecimal digits.
    pub source_hash: String,
    /// The types the policy exchanges with its host.
    pub schema: Schema,
    /// The layout of those types: always [`Layout::of`] of `schema`, stored so that hosts in
    /// other languages need not derive it.
    pub layout: Layout,
    /// Descriptions of the expressions whose evaluation can fail, indexed by a decision slot's
    /// error-site word. A host reports the description as the failed record's error path.
    pub sites: Vec<String>,
    /// Present only in an instrumented module: what each coverage counter counts, counter `i`
    /// being the `u64` at `dexp_coverage + 8 * i`. Absent from the JSON of a plain module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Vec<Counter>>,
}

/// Why a module's metadata cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// The section is not the JSON of a [`Metadata`].
    #[error("the metadata is not valid: {0}")]
    Json(String),
    /// The module was built for another version of the contract.
    #[error("the module was built for ABI version {found}, this runtime supports version {expected}")]
    AbiVersion {
        /// The version the module declares.
        found: u32,
        /// [`ABI_VERSION`].
        expected: u32,
    },
    /// The schema is inconsistent.
    #[error("the schema is not valid: {0}")]
    Schema(String),
    /// The schema has no layout.
    #[error("the schema has no layout: {0}")]
    Layout(LayoutError),
    /// The stored layout is not the one the schema implies.
    #[error("the stored layout does not match the layout of the schema")]
    LayoutMismatch,
    /// The source hash is not lowercase hexadecimal.
    #[error("the source hash is not lowercase hexadecimal")]
    SourceHash,
}

impl Metadata {
    /// Builds the metadata of a policy for the current [`ABI_VERSION`], deriving the layout.
    pub fn new(
        policy: impl Into<String>,
        version: impl Into<String>,
        source_hash: impl Into<String>,
        schema: Schema,
        sites: Vec<String>,
    ) -> Result<Metadata, MetadataError> {
        let shape = Shape::new(schema)?;
        let metadata = Metadata {
            abi_version: ABI_VERSION,
            policy: policy.into(),
            version: version.into(),
            source_hash: source_hash.into(),
            layout: shape.layout,
            schema: shape.schema,
            sites,
            coverage: None,
        };
        metadata.check_hash()?;
        Ok(metadata)
    }

    /// The section's bytes: compact JSON, deterministic for equal metadata.
    pub fn encode(&self) -> Result<Vec<u8>, MetadataError> {
        serde_json::to_vec(self).map_err(|e| MetadataError::Json(e.to_string()))
    }

    /// Reads and checks a section: the ABI version first, then the rest, the schema's
    /// consistency and the stored layout against the derived one.
    pub fn decode(bytes: &[u8]) -> Result<Metadata, MetadataError> {
        #[derive(Deserialize)]
        struct VersionOnly {
            abi_version: u32,
        }
        let json = |e: serde_json::Error| MetadataError::Json(e.to_string());
        let version: VersionOnly = serde_json::from_slice(bytes).map_err(json)?;
        if version.abi_version != ABI_VERSION {
            return Err(MetadataError::AbiVersion { found: version.abi_version, expected: ABI_VERSION });
        }
        let metadata: Metadata = serde_json::from_slice(bytes).map_err(json)?;
        metadata.check_hash()?;
        metadata.schema.validate().map_err(MetadataError::Schema)?;
        let derived = Layout::of(&metadata.schema).map_err(MetadataError::Layout)?;
        if derived != metadata.layout {
            return Err(MetadataError::LayoutMismatch);
        }
        Ok(metadata)
    }

    /// The schema and layout as a [`Shape`].
    pub fn shape(&self) -> Result<Shape, MetadataError> {
        let shape = Shape::new(self.schema.clone())?;
        if shape.layout != self.layout {
            return Err(MetadataError::LayoutMismatch);
        }
        Ok(shape)
    }

    fn check_hash(&self) -> Result<(), MetadataError> {
        let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
        if self.source_hash.is_empty() || !self.source_hash.chars().all(hex) {
            return Err(MetadataError::SourceHash);
        }
        Ok(())
    }
}
