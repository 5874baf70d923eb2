//! Who the user is: passwords, sessions and CSRF protection.

pub mod csrf;
pub mod csrf_key;
pub mod password;
pub mod session;
pub mod throttle;
