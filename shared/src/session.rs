//! The names a browser session travels under (CONTRACT.md "Sessions and CSRF"), shared by the
//! server, `chat-tui` and the bench.

/// The session cookie (HttpOnly), set by login.
pub const SESSION_COOKIE: &str = "sessionid";
/// The CSRF cookie, echoed in the `X-CSRFToken` header or the `csrfmiddlewaretoken` field.
pub const CSRF_COOKIE: &str = "csrftoken";
/// The header that carries the CSRF token on JSON requests.
pub const CSRF_HEADER: &str = "x-csrftoken";
/// The form field that carries the CSRF token on form posts.
pub const CSRF_FORM_FIELD: &str = "csrfmiddlewaretoken";
