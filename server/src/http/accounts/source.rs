//! The client's address, for the sign-in limits.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::auth::Source;
use crate::http::error::ApiError;
use crate::state::AppState;

/// Where a request comes from: the TCP peer, or — only when `ROLO_TRUST_PROXY` says a
/// reverse proxy stands in front — the address that proxy appended to `X-Forwarded-For`.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Source);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // The server's listener records every peer; a router served some other way (none
        // today) would put all its callers in one source, the cautious reading.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(peer)| {
                peer.ip()
            });
        let forwarded = if state.config.auth.trust_proxy {
            forwarded_for(&parts.headers)
        } else {
            None
        };
        Ok(Self(Source::new(forwarded.unwrap_or(peer))))
    }
}

/// The last address in `X-Forwarded-For`: the one the (trusted) proxy appended, which is the
/// peer it saw. Earlier entries come from the client and prove nothing.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?
        .to_str()
        .ok()?
        .rsplit(',')
        .next()?
        .trim();
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|address| address.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxys_own_entry_is_the_last_one() {
        let mut headers = HeaderMap::new();
        assert_eq!(forwarded_for(&headers), None);
        headers.append("x-forwarded-for", "203.0.113.9, 10.0.0.1".parse().unwrap());
        headers.append("x-forwarded-for", "198.51.100.7".parse().unwrap());
        assert_eq!(
            forwarded_for(&headers),
            Some("198.51.100.7".parse().unwrap())
        );
        let mut with_port = HeaderMap::new();
        with_port.insert("x-forwarded-for", "[2001:db8::1]:4711".parse().unwrap());
        assert_eq!(
            forwarded_for(&with_port),
            Some("2001:db8::1".parse().unwrap())
        );
        let mut junk = HeaderMap::new();
        junk.insert("x-forwarded-for", "unknown".parse().unwrap());
        assert_eq!(forwarded_for(&junk), None);
    }
}
