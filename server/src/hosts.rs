//! Which host names this server answers to (a defence against DNS rebinding).
//!
//! A page on `evil.example` can point its own name at 127.0.0.1 and then
//! talk to a local TaskFlow "same-origin": its requests carry
//! `Host: evil.example`. So every request must name an allowed host, or it
//! is answered 421 and goes no further:
//!
//! - with `--public-url`: that URL's host, plus `--allowed-hosts`;
//! - without it, on a loopback address: that address and `localhost`;
//! - without it, on a wider address: any IP address and `localhost` (an IP
//!   address cannot be rebound; start-up warns to set the public URL).
//!
//! `/healthz` is exempt: load balancers probe it by address.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::ServeArgs;
use crate::error::HttpError;
use crate::AppState;

/// The allowed host names.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    names: Arc<HashSet<String>>,
    /// Any IP address is fine too (no public URL on a wide bind).
    any_ip: bool,
}

/// `Example.COM.` → `example.com`; `[::1]` → `::1`.
fn normalize(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// The host name of a `Host` header value (`name:port`, `[v6]:port`).
pub fn host_name(authority: &str) -> Option<String> {
    let authority: axum::http::uri::Authority = authority.parse().ok()?;
    Some(normalize(authority.host()))
}

impl HostPolicy {
    pub fn new(args: &ServeArgs) -> Self {
        let mut names: HashSet<String> = args.allowed_hosts.iter().map(|h| normalize(h)).collect();
        let mut any_ip = false;
        match &args.public_url {
            Some(url) => {
                names.insert(normalize(url.host_str().unwrap_or_default()));
            }
            None => {
                names.insert("localhost".into());
                names.insert(normalize(&args.bind.ip().to_string()));
                any_ip = !args.bind.ip().is_loopback();
            }
        }
        names.retain(|n| !n.is_empty());
        Self {
            names: Arc::new(names),
            any_ip,
        }
    }

    /// Whether a request naming this host (a `Host` header value) is for us.
    pub fn allows(&self, authority: &str) -> bool {
        let Some(name) = host_name(authority) else {
            return false;
        };
        self.names.contains(&name) || (self.any_ip && name.parse::<IpAddr>().is_ok())
    }
}

/// The host a request names: its `Host` header, or (HTTP/2) its URI's authority.
pub fn request_host(request: &Request) -> Option<String> {
    request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| request.uri().authority().map(|a| a.to_string()))
}

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path() != "/healthz" {
        let host = request_host(&request);
        if !host.as_deref().is_some_and(|h| state.hosts.allows(h)) {
            return HttpError::MisdirectedHost(host.unwrap_or_default()).into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(bind: &str, public: Option<&str>, allowed: &[&str]) -> ServeArgs {
        let mut args = ServeArgs::for_address(bind.parse().unwrap());
        args.public_url = public.map(|u| url::Url::parse(u).unwrap());
        args.allowed_hosts = allowed.iter().map(|s| s.to_string()).collect();
        args
    }

    #[test]
    fn loopback_default_allows_its_address_and_localhost_only() {
        let p = HostPolicy::new(&args("127.0.0.1:3000", None, &[]));
        assert!(p.allows("127.0.0.1:3000"));
        assert!(p.allows("localhost:3000"));
        assert!(p.allows("LOCALHOST"));
        assert!(!p.allows("evil.example:3000"));
        assert!(!p.allows("10.0.0.1:3000"));
        assert!(!p.allows(""));
    }

    #[test]
    fn a_public_url_allows_its_host_and_the_allow_list() {
        let p = HostPolicy::new(&args(
            "0.0.0.0:3000",
            Some("https://Tasks.Example.com"),
            &["tasks.internal"],
        ));
        assert!(p.allows("tasks.example.com"));
        assert!(p.allows("tasks.example.com.:443"));
        assert!(p.allows("tasks.internal:3000"));
        assert!(!p.allows("127.0.0.1:3000"));
        assert!(!p.allows("evil.example"));
    }

    #[test]
    fn a_wide_bind_without_public_url_allows_ip_addresses() {
        let p = HostPolicy::new(&args("0.0.0.0:3000", None, &[]));
        assert!(p.allows("192.168.1.20:3000"));
        assert!(p.allows("[::1]:3000"));
        assert!(p.allows("localhost:3000"));
        assert!(!p.allows("evil.example:3000"));
    }
}
