//! Request bodies: an HTML form or JSON, read into the same struct, with our own error shape
//! when the body is unreadable (never axum's plain-text rejection).

use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A form-encoded or JSON body.
pub struct Input<T>(pub T);

const MAX_BODY_BYTES: usize = 64 * 1024;

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Input<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, AppError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        let value = if is_json {
            serde_json::from_slice(&bytes).map_err(|_| AppError::BadRequest)?
        } else {
            serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::BadRequest)?
        };
        Ok(Input(value))
    }
}
