//! Secret tokens: sessions and invite links. The holder gets the token; the
//! database keeps only its SHA-256, so a leaked database leaks no working
//! session or link.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random token (sessions, invite links): 256 bits, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
