//! Fuzzes the HTML form bodies the server reads (server/src/http/input.rs `Input`, which uses
//! `serde_urlencoded::from_bytes`) into the shapes of the registration, login and room forms,
//! the CSRF middleware's own form scan (`Vec<(String, String)>`), and CSRF token verification
//! (`chat_server::auth::csrf::CsrfKey::verify`) on whatever the form carried.
//!
//! The form structs mirror the server's private ones (accounts.rs `RegisterForm`, `LoginForm`;
//! chat.rs `TitleForm`): every field `#[serde(default)] String`.
#![no_main]

use chat_server::auth::csrf::CsrfKey;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[allow(dead_code)] // read only through Debug: the point is that decoding never panics
struct RegisterForm {
    email: String,
    nickname: String,
    password1: String,
    password2: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[allow(dead_code)]
struct LoginForm {
    username: String,
    password: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[allow(dead_code)]
struct TitleForm {
    title: String,
}

/// A fixed key: verification must not depend on luck with the key.
const KEY: CsrfKey = CsrfKey([0x5a; 32]);

fuzz_target!(|data: &[u8]| {
    let _ = serde_urlencoded::from_bytes::<RegisterForm>(data);
    let _ = serde_urlencoded::from_bytes::<LoginForm>(data);
    let _ = serde_urlencoded::from_bytes::<TitleForm>(data);
    let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data).unwrap_or_default();

    // Whatever the body calls csrfmiddlewaretoken (or the whole body, when it is no form) is a
    // forgery: nobody but the server holds the key, so it must never verify.
    let forged = pairs
        .iter()
        .find(|(k, _)| k == "csrfmiddlewaretoken")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| String::from_utf8_lossy(data).into_owned());
    let binding = pairs.iter().find(|(k, _)| k == "binding").map_or("", |(_, v)| v.as_str());
    assert!(!KEY.verify(&forged, binding), "a token nobody issued verified: {forged:?}");

    // A token the server issued verifies for its binding, and stops verifying when it is
    // tampered with or presented for another binding.
    let issued = KEY.issue(binding);
    assert!(KEY.verify(&issued, binding));
    if let Some(&first) = data.first() {
        let mut tampered: Vec<char> = issued.chars().collect();
        let at = usize::from(first) % tampered.len();
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
        let replacement = alphabet[data.len() % alphabet.len()] as char;
        if tampered[at] != replacement {
            tampered[at] = replacement;
            let tampered: String = tampered.into_iter().collect();
            assert!(!KEY.verify(&tampered, binding), "tampered token verified: {tampered}");
        }
        let other = format!("{binding}{}", first as char);
        assert!(!KEY.verify(&issued, &other), "a token verified for another binding");
    }
});
