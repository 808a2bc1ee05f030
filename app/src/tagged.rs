//! Reading internally tagged enums (`{"type": "hello", ...}`) without
//! buffering.
//!
//! serde's own `#[serde(tag = "...")]` deserializer cannot know where the tag
//! is, so it first copies the whole object into its private `Content` tree and
//! then deserializes every variant a second time from that copy. In the
//! browser that doubled every payload type's decoder and was about a tenth of
//! the WASM. Our server always writes the tag first (serde does), so
//! [`tagged_enum!`] reads the tag, then hands the rest of the same object to
//! the variant's fields — one pass, one decoder per type. An object whose tag
//! is not first is still read on the server (through `serde_json::Value`;
//! hand-made JSON in tests, a `Value` map sorts its keys); in the browser,
//! which only reads what our server wrote, it is refused.
//!
//! Serialization is serde's own derive, unchanged: the enum definition is the
//! one description of the wire.

use serde::de::{self, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// An enum whose variants are told apart by a tag field, read tag first.
pub trait TaggedVariants: Sized {
    /// The tag's field name (`"type"`, `"kind"`).
    const TAG: &'static str;
    /// The enum, for error messages.
    const NAME: &'static str;
    /// The variant named `tag`, from the object's other fields (`rest`).
    /// `Ok(None)`: no variant has this tag.
    fn from_rest<'de, A: MapAccess<'de>>(tag: &str, rest: A) -> Result<Option<Self>, A::Error>;
}

/// Whether `tag` is the snake_case form of the CamelCase `variant`
/// (`board_event` / `BoardEvent`): serde's `rename_all = "snake_case"`.
pub fn is_snake_case_of(tag: &str, variant: &str) -> bool {
    let mut tag = tag.chars();
    for (i, c) in variant.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && tag.next() != Some('_') {
                return false;
            }
            if tag.next() != Some(c.to_ascii_lowercase()) {
                return false;
            }
        } else if tag.next() != Some(c) {
            return false;
        }
    }
    tag.next().is_none()
}

/// Deserializes a [`TaggedVariants`] enum from a map whose first key is its tag.
pub fn deserialize_tagged<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: TaggedVariants,
    D: de::Deserializer<'de>,
{
    deserializer.deserialize_map(TagFirst(PhantomData))
}

struct TagFirst<T>(PhantomData<T>);

impl<'de, T: TaggedVariants> Visitor<'de> for TagFirst<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} object with a `{}` field", T::NAME, T::TAG)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
            return Err(de::Error::missing_field(T::TAG));
        };
        if key != T::TAG {
            return tag_not_first::<T, A>(key.into_owned(), map);
        }
        let tag = map.next_value::<std::borrow::Cow<'de, str>>()?;
        T::from_rest(&tag, map)?.ok_or_else(|| unknown::<T, A::Error>(&tag))
    }
}

fn unknown<T: TaggedVariants, E: de::Error>(tag: &str) -> E {
    E::custom(format_args!("unknown {} `{}` `{tag}`", T::NAME, T::TAG))
}

/// The server also reads objects whose tag comes later (see the module docs).
#[cfg(not(target_arch = "wasm32"))]
fn tag_not_first<'de, T: TaggedVariants, A: MapAccess<'de>>(
    first: String,
    mut map: A,
) -> Result<T, A::Error> {
    use serde::de::Error as _;
    let mut object = serde_json::Map::new();
    let value = map.next_value::<serde_json::Value>()?;
    object.insert(first, value);
    while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
        object.insert(k, v);
    }
    let tag = match object.remove(T::TAG) {
        Some(serde_json::Value::String(tag)) => tag,
        Some(_) => {
            return Err(A::Error::custom(format_args!(
                "`{}` must be a string",
                T::TAG
            )))
        }
        None => return Err(A::Error::missing_field(T::TAG)),
    };
    let rest = serde::de::value::MapDeserializer::<_, serde_json::Error>::new(object.into_iter());
    T::from_rest(&tag, rest)
        .map_err(A::Error::custom)?
        .ok_or_else(|| unknown::<T, A::Error>(&tag))
}

#[cfg(target_arch = "wasm32")]
fn tag_not_first<'de, T: TaggedVariants, A: MapAccess<'de>>(
    _first: String,
    _map: A,
) -> Result<T, A::Error> {
    Err(de::Error::custom(format_args!(
        "the `{}` field of a {} must come first",
        T::TAG,
        T::NAME
    )))
}

/// Reads the one field `name` of a variant from the rest of its object
/// (other fields are skipped, as serde's derive does; a missing `Option` is
/// `None`). One reader per field type, shared by every variant with a field
/// of that type: a derived struct per variant compiled its own visitor into
/// the browser for each (five `{ task: Task }` board changes, say).
pub fn one_field<'de, T, A>(name: &'static str, mut rest: A) -> Result<T, A::Error>
where
    T: serde::Deserialize<'de>,
    A: MapAccess<'de>,
{
    let mut found = None;
    while let Some(key) = rest.next_key::<std::borrow::Cow<'de, str>>()? {
        if key == name {
            if found.is_some() {
                return Err(de::Error::duplicate_field(name));
            }
            found = Some(rest.next_value::<T>()?);
        } else {
            rest.next_value::<de::IgnoredAny>()?;
        }
    }
    match found {
        Some(value) => Ok(value),
        None => missing(name),
    }
}

/// The value of a field that is not there: `None` for an `Option` (like
/// serde's derive), an error naming the field for anything else.
fn missing<'de, T: serde::Deserialize<'de>, E: de::Error>(name: &'static str) -> Result<T, E> {
    T::deserialize(de::value::UnitDeserializer::<E>::new()).map_err(|_: E| E::missing_field(name))
}

/// Defines an internally tagged enum (serde's `tag = ...`, variants in
/// snake_case) that serializes with serde's derive and deserializes tag first
/// (see the module docs). Variants: unit, struct-like, or newtype around a
/// struct; one `#[untagged]` newtype variant may take every other tag (its
/// type must be a `tagged_enum!` with the same tag).
macro_rules! tagged_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident tag $tag:tt {
            $(
                $(#[$vmeta:meta])*
                $variant:ident
                $({ $( $(#[$fmeta:meta])* $field:ident : $fty:ty ),* $(,)? })?
                $(( $inner:ty ))?
            ),* $(,)?
        }
        $( untagged $(#[$umeta:meta])* $untagged:ident ( $uty:ty ) )?
    ) => {
        $(#[$meta])*
        #[derive(serde::Serialize)]
        #[serde(tag = $tag, rename_all = "snake_case")]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant
                $({ $( $(#[$fmeta])* $field : $fty ),* })?
                $(( $inner ))?,
            )*
            $(
                $(#[$umeta])*
                #[serde(untagged)]
                $untagged($uty),
            )?
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::tagged::deserialize_tagged(deserializer)
            }
        }

        impl $crate::tagged::TaggedVariants for $name {
            const TAG: &'static str = $tag;
            const NAME: &'static str = stringify!($name);

            #[allow(unused_variables)]
            fn from_rest<'de, A: serde::de::MapAccess<'de>>(
                tag: &str,
                rest: A,
            ) -> Result<Option<Self>, A::Error> {
                $(
                    if $crate::tagged::is_snake_case_of(tag, stringify!($variant)) {
                        return tagged_enum!(@variant $name $variant rest
                            $({ $( $(#[$fmeta])* $field : $fty ),* })?
                            $(( $inner ))?
                        ).map(Some);
                    }
                )*
                $(
                    return <$uty as $crate::tagged::TaggedVariants>::from_rest(tag, rest)
                        .map(|found| found.map($name::$untagged));
                )?
                #[allow(unreachable_code)]
                Ok(None)
            }
        }
    };
    (@variant $name:ident $variant:ident $rest:ident { $field:ident : $fty:ty }) => {
        $crate::tagged::one_field::<$fty, _>(stringify!($field), $rest)
            .map(|$field| $name::$variant { $field })
    };
    (@variant $name:ident $variant:ident $rest:ident
        { $( $(#[$fmeta:meta])* $field:ident : $fty:ty ),* }) => {{
        #[derive(serde::Deserialize)]
        struct Fields {
            $( $(#[$fmeta])* $field: $fty, )*
        }
        <Fields as serde::Deserialize>::deserialize(
            serde::de::value::MapAccessDeserializer::new($rest),
        )
        .map(|f| $name::$variant { $( $field: f.$field ),* })
    }};
    (@variant $name:ident $variant:ident $rest:ident ( $inner:ty )) => {
        <$inner as serde::Deserialize>::deserialize(
            serde::de::value::MapAccessDeserializer::new($rest),
        )
        .map($name::$variant)
    };
    (@variant $name:ident $variant:ident $rest:ident) => {
        <serde::de::IgnoredAny as serde::Deserialize>::deserialize(
            serde::de::value::MapAccessDeserializer::new($rest),
        )
        .map(|_| $name::$variant)
    };
}

#[cfg(test)]
mod tests {
    use super::is_snake_case_of;

    tagged_enum! {
        #[derive(Debug, PartialEq)]
        enum Probe tag "kind" {
            Named { name: String },
            Maybe { at: Option<i64> },
            Both { a: i64, b: i64 },
            Opt {
                n: i64,
                #[serde(default, skip_serializing_if = "Option::is_none")]
                at: Option<i64>,
            },
        }
    }

    fn read(json: &str) -> Result<Probe, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn one_field_variants_read_like_the_derive() {
        assert_eq!(
            read(r#"{"kind":"named","extra":[1,{"x":2}],"name":"n"}"#),
            Ok(Probe::Named { name: "n".into() })
        );
        assert_eq!(read(r#"{"kind":"maybe"}"#), Ok(Probe::Maybe { at: None }));
        assert_eq!(
            read(r#"{"kind":"maybe","at":null}"#),
            Ok(Probe::Maybe { at: None })
        );
        assert_eq!(
            read(r#"{"kind":"maybe","at":5}"#),
            Ok(Probe::Maybe { at: Some(5) })
        );
        assert_eq!(
            read(r#"{"kind":"both","b":2,"x":{"y":[]},"a":1}"#),
            Ok(Probe::Both { a: 1, b: 2 })
        );
        let missing = read(r#"{"kind":"both","a":1}"#).unwrap_err();
        assert!(missing.contains("missing field `b`"), "{missing}");
        let twice = read(r#"{"kind":"both","a":1,"b":2,"a":3}"#).unwrap_err();
        assert!(twice.contains("duplicate field `a`"), "{twice}");
        assert_eq!(
            read(r#"{"kind":"opt","n":4}"#),
            Ok(Probe::Opt { n: 4, at: None })
        );
        let missing = read(r#"{"kind":"named"}"#).unwrap_err();
        assert!(missing.contains("missing field `name`"), "{missing}");
        let twice = read(r#"{"kind":"named","name":"a","name":"b"}"#).unwrap_err();
        assert!(twice.contains("duplicate field `name`"), "{twice}");
        let wrong = read(r#"{"kind":"named","name":3}"#).unwrap_err();
        assert!(wrong.contains("invalid type"), "{wrong}");
        // Round trip through serde's own serializer.
        let json = serde_json::to_string(&Probe::Maybe { at: Some(9) }).unwrap();
        assert_eq!(json, r#"{"kind":"maybe","at":9}"#);
    }

    #[test]
    fn matches_serdes_snake_case() {
        assert!(is_snake_case_of("board_event", "BoardEvent"));
        assert!(is_snake_case_of("pong", "Pong"));
        assert!(is_snake_case_of("access_changed", "AccessChanged"));
        assert!(!is_snake_case_of("boardevent", "BoardEvent"));
        assert!(!is_snake_case_of("board_events", "BoardEvent"));
        assert!(!is_snake_case_of("board_even", "BoardEvent"));
        assert!(!is_snake_case_of("Board_event", "BoardEvent"));
    }
}
