//! Every JSON the browser reads goes through one decoder: serde_json reading
//! bytes (`from_slice`), as the server functions' answers are read.
//!
//! Why it matters: serde_json compiles each type's decoding once per kind
//! of input, and Leptos reads the data a server-rendered page carries with
//! `from_str` while server functions read their answers with `from_slice`:
//! every type the UI receives both ways (boards, tasks, rooms, messages,
//! notifications, every live event) was compiled twice — about 110 KB of
//! the browser bundle's code. Resources use [`Json`] ([`resource`]) and the
//! live connection decodes its frames with [`decode`].

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The codec of the page's resources: written on the server with serde_json,
/// read in the browser through [`decode`].
pub struct Json;

impl<T: Serialize> codee::Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> codee::Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        decode(text)
    }
}

/// Decodes JSON text the one way the browser does.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_slice(text.as_bytes())
}

/// A resource whose value crosses from the server-rendered page as [`Json`].
pub type JsonResource<T> = Resource<T, Json>;

/// [`Resource::new`], with the page's data read by [`decode`].
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> JsonResource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
