//! The workspace's one secret wrapper ([`bakery_secret::Secret`]), as templates use it.

pub use bakery_secret::Secret;
