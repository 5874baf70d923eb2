//! The names a browser session travels under (CONTRACT.md "Sessions and CSRF"), shared by the
//! server, `chat-tui` and the bench.

/// The session cookie (HttpOnly), set by login.
pub const SESSION_COOKIE: &str = "sessionid";
/// An anonymous visitor's own random id (HttpOnly), set with their first page: before there
/// is a session, CSRF tokens are bound to it, so one visitor's token is not another's. A
/// client that keeps cookies, as browsers do, need do nothing about it.
pub const PRESESSION_COOKIE: &str = "presession";
/// The CSRF cookie, echoed in the `X-CSRFToken` header or the `csrfmiddlewaretoken` field.
pub const CSRF_COOKIE: &str = "csrftoken";
/// The header that carries the CSRF token on JSON requests.
pub const CSRF_HEADER: &str = "x-csrftoken";
/// The form field that carries the CSRF token on form posts.
pub const CSRF_FORM_FIELD: &str = "csrfmiddlewaretoken";
