//! Server functions: the UI's calls into the service layer.
//!
//! Each one is a thin adapter: find the services and the logged-in user in the
//! request context, call `crate::services`, return its result. They are served
//! under `/rpc/...`; the JSON API for scripts is a separate set of routes in the
//! server crate that calls the same services.

pub mod auth;
pub mod boards;
pub mod chat;
pub mod comments;
pub mod invites;
pub mod kanban;
pub mod live;

pub use codec::FormOrJson;

mod codec {
    //! How server functions take their arguments.
    //!
    //! The browser sends JSON: its serializer is in the bundle anyway (for
    //! the live connection), while form encoding would add serde_qs to the
    //! bundle for nothing. The server reads JSON, and form data too (a
    //! `<form method="post">` submitted before the page has hydrated or
    //! without script, and scripts that call `/rpc` with form fields).
    //! Arguments are always an object, so a JSON body starts with `{`; a
    //! form body never does (a browser writes `{` in a field name as `%7B`).
    use leptos::server_fn::codec::Post;
    use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    /// Arguments as JSON from the UI; JSON or form data accepted (POST).
    pub type FormOrJson = Post<FormOrJsonEncoding>;

    /// See [`FormOrJson`].
    pub struct FormOrJsonEncoding;

    impl ContentType for FormOrJsonEncoding {
        const CONTENT_TYPE: &'static str = "application/json";
    }

    impl FormatType for FormOrJsonEncoding {
        const FORMAT_TYPE: Format = Format::Text;
    }

    impl<T: Serialize> Encodes<T> for FormOrJsonEncoding {
        type Error = serde_json::Error;

        fn encode(args: &T) -> Result<Bytes, serde_json::Error> {
            serde_json::to_vec(args).map(Bytes::from)
        }
    }

    impl<T: DeserializeOwned> Decodes<T> for FormOrJsonEncoding {
        type Error = String;

        fn decode(body: Bytes) -> Result<T, String> {
            decode(&body)
        }
    }

    /// Reads the arguments once, strictly: a field the function does not
    /// take is refused while they are read (like the JSON API's
    /// `deny_unknown_fields`, which `#[server]`'s derived argument structs
    /// lack), with the names it does take.
    #[cfg(feature = "ssr")]
    fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
        let text = std::str::from_utf8(body).map_err(|e| format!("not UTF-8: {e}"))?;
        let mut unknown: Option<String> = None;
        let note = |path: serde_ignored::Path| {
            unknown.get_or_insert_with(|| path.to_string());
        };
        let value = if text.trim_start().starts_with('{') {
            let mut json = serde_json::Deserializer::from_str(text);
            let value: T =
                serde_ignored::deserialize(&mut json, note).map_err(|e| e.to_string())?;
            json.end().map_err(|e| e.to_string())?;
            value
        } else {
            // Form fields, read as server_fn's own form encoding reads them.
            let config = serde_qs::Config::new(5, false);
            let form = serde_qs::Deserializer::with_config(&config, text.as_bytes())
                .map_err(|e| e.to_string())?;
            serde_ignored::deserialize(form, note).map_err(|e| e.to_string())?
        };
        match unknown {
            None => Ok(value),
            Some(field) => Err(unknown_field::<T>(&field)),
        }
    }

    /// The browser never reads arguments; server_fn's client still asks for
    /// the `Decodes` bound.
    #[cfg(not(feature = "ssr"))]
    fn decode<T: DeserializeOwned>(_: &[u8]) -> Result<T, String> {
        Err("arguments are read on the server".into())
    }

    /// "unknown field `x` (it takes a, b)". Starts like serde's own message
    /// for a misspelt nested field, and is passed on as it is (an
    /// `invalid_input` error).
    #[cfg(feature = "ssr")]
    fn unknown_field<T: DeserializeOwned>(field: &str) -> String {
        let fields = field_names::<T>();
        let takes = if fields.is_empty() {
            "it takes none".to_string()
        } else {
            format!("it takes {}", fields.join(", "))
        };
        format!("{}{field}` ({takes})", crate::error::UNKNOWN_FIELD)
    }

    /// The field names a derived `Deserialize` of a struct reads: it names
    /// them when it asks for a struct (so they cannot drift from the code).
    #[cfg(feature = "ssr")]
    fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
        let mut seen = None;
        let _ = T::deserialize(FieldProbe(&mut seen));
        seen.unwrap_or(&[])
    }

    /// A deserializer that only notes the fields a struct asks for.
    #[cfg(feature = "ssr")]
    struct FieldProbe<'a>(&'a mut Option<&'static [&'static str]>);

    #[cfg(feature = "ssr")]
    impl<'de> serde::Deserializer<'de> for FieldProbe<'_> {
        type Error = serde::de::value::Error;

        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = Some(fields);
            Err(serde::de::Error::custom("only probed"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            enum identifier ignored_any
        }
    }

    #[cfg(all(test, feature = "ssr"))]
    mod tests {
        use super::*;

        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Args {
            task_id: i64,
            patch: Patch,
        }

        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(deny_unknown_fields)]
        struct Patch {
            title: Option<String>,
        }

        #[test]
        fn arguments_are_read_once_and_strictly_from_json_or_a_form() {
            let json: Args = decode(br#"{"task_id":1,"patch":{"title":"x"}}"#).unwrap();
            let form: Args = decode(b"task_id=1&patch%5Btitle%5D=x").unwrap();
            assert_eq!(json, form);
            let stray = decode::<Args>(br#"{"task_id":1,"patch":{},"extra":true}"#).unwrap_err();
            assert_eq!(stray, "unknown field `extra` (it takes task_id, patch)");
            let stray = decode::<Args>(b"task_id=1&patch[title]=x&owner_id=7").unwrap_err();
            assert!(stray.starts_with("unknown field `owner_id`"), "{stray}");
            // A misspelt nested field: serde's own words, the same start.
            let nested = decode::<Args>(br#"{"task_id":1,"patch":{"titel":"x"}}"#).unwrap_err();
            assert!(nested.starts_with("unknown field `titel`"), "{nested}");
            assert!(
                decode::<Args>(br#"{"task_id":1,"patch":{}} x"#).is_err(),
                "trailing text"
            );
        }
    }
}

#[cfg(feature = "ssr")]
pub use ctx::Stopping;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    //! Request context for server functions (provided by the server crate).
    use crate::error::{AppError, AppResult};
    use crate::model::User;
    use crate::services::{auth, Services};
    use leptos::prelude::use_context;

    pub fn services() -> AppResult<Services> {
        use_context::<Services>()
            .ok_or_else(|| AppError::Internal("services missing from context".into()))
    }

    pub fn headers() -> http::HeaderMap {
        use_context::<http::request::Parts>()
            .map(|p| p.headers)
            .unwrap_or_default()
    }

    /// The client's address (put in the request by the server), for the
    /// login throttle.
    pub fn client() -> Option<crate::services::login_throttle::ClientAddr> {
        use_context::<http::request::Parts>().and_then(|p| {
            p.extensions
                .get::<crate::services::login_throttle::ClientAddr>()
                .copied()
        })
    }

    /// The services and the logged-in user, or 401.
    pub async fn user() -> AppResult<(Services, User)> {
        let svc = services()?;
        let user = auth::require_user(&svc, &headers()).await?;
        Ok((svc, user))
    }

    /// The services and the request's session, or 401 (long polls end with it).
    pub async fn session() -> AppResult<(Services, auth::Session)> {
        let svc = services()?;
        let session = auth::require_session(&svc, &headers()).await?;
        Ok((svc, session))
    }

    /// Turns `true` when the server shuts down (long polls answer at once).
    #[derive(Clone)]
    pub struct Stopping(pub tokio::sync::watch::Receiver<bool>);

    pub fn stopping() -> tokio::sync::watch::Receiver<bool> {
        use_context::<Stopping>()
            .map(|s| s.0)
            .unwrap_or_else(|| tokio::sync::watch::channel(false).1)
    }

    /// Sets a response header (cookies) on the server function's response.
    pub fn set_header(name: http::HeaderName, value: &str) {
        if let (Some(res), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(value),
        ) {
            res.append_header(name, value);
        }
    }
}
