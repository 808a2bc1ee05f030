//! The client address of each request, for login throttling: the TCP peer,
//! or — when the peer is a configured trusted proxy (`--trusted-proxies`) —
//! the nearest address in `X-Forwarded-For` that is not one of them. A client
//! cannot claim another address by sending the header itself: it is read only
//! from trusted proxies, and from the right (what they appended).

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use app::services::login_throttle::ClientAddr;

use crate::AppState;

/// The client's address, from the peer and (trusted) forwarding headers.
pub fn client_addr(
    peer: Option<IpAddr>,
    forwarded_for: &[&str],
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |addr: &IpAddr| trusted.iter().any(|net| net.contains(addr));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = forwarded_for
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect();
    Some(
        hops.iter()
            .rev()
            .find(|hop| !is_trusted(hop))
            .copied()
            .unwrap_or(peer),
    )
}

/// Puts the request's [`ClientAddr`] into its extensions (the JSON API and
/// the server functions read it from there).
pub async fn tag(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = crate::serve::peer(&request).map(|a| a.ip());
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if let Some(addr) = client_addr(peer, &forwarded, &state.trusted_proxies) {
        request.extensions_mut().insert(ClientAddr(addr));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.2");
        let trusted = [ipnet::IpNet::from(proxy)];
        assert_eq!(
            client_addr(Some(ip("203.0.113.9")), &["1.2.3.4"], &trusted),
            Some(ip("203.0.113.9")),
            "an untrusted peer cannot claim an address"
        );
        assert_eq!(
            client_addr(Some(proxy), &["1.2.3.4, 198.51.100.7"], &trusted),
            Some(ip("198.51.100.7")),
            "the address the proxy appended, not what the client sent"
        );
        assert_eq!(
            client_addr(Some(proxy), &["198.51.100.7", "10.0.0.2"], &trusted),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(client_addr(Some(proxy), &[], &trusted), Some(proxy));
        assert_eq!(client_addr(None, &[], &[]), None);
    }

    /// A range trusts every proxy in it (a load balancer pool, a cluster).
    #[test]
    fn a_cidr_range_trusts_every_proxy_in_it() {
        let pool: [ipnet::IpNet; 2] = ["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()];
        assert_eq!(
            client_addr(Some(ip("10.1.2.3")), &["198.51.100.7, 10.9.9.9"], &pool),
            Some(ip("198.51.100.7")),
            "both hops in the range are skipped"
        );
        assert_eq!(
            client_addr(Some(ip("fd12::1")), &["2001:db8::5"], &pool),
            Some(ip("2001:db8::5"))
        );
        assert_eq!(
            client_addr(Some(ip("11.0.0.1")), &["198.51.100.7"], &pool),
            Some(ip("11.0.0.1")),
            "outside the range: the peer itself"
        );
    }
}
