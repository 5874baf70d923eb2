//! The key that signs CSRF tokens, and signing and checking with it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The key that signs tokens; shared by every instance through the database.
#[derive(Clone)]
pub struct CsrfKey(pub [u8; 32]);

impl CsrfKey {
    fn sign(&self, nonce: &[u8], binding: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(nonce);
        mac.update(b"|");
        mac.update(binding.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// A fresh token bound to `binding` (the session's hash, or "" when anonymous).
    pub fn issue(&self, binding: &str) -> String {
        let mut nonce = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(self.sign(&nonce, binding))
        )
    }

    /// True when `token` was issued by this server for `binding`.
    pub fn verify(&self, token: &str, binding: &str) -> bool {
        let Some((nonce, sig)) = token.split_once('.') else {
            return false;
        };
        let (Ok(nonce), Ok(sig)) = (URL_SAFE_NO_PAD.decode(nonce), URL_SAFE_NO_PAD.decode(sig))
        else {
            return false;
        };
        if nonce.len() != 16 {
            return false;
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(&nonce);
        mac.update(b"|");
        mac.update(binding.as_bytes());
        mac.verify_slice(&sig).is_ok()
    }
}
