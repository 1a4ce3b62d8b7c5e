//! All integration tests in one binary (one link, shared helpers).
// A failed unwrap in a test is a failed test, with its location: that is what tests want.
#![allow(clippy::unwrap_used)]

mod it;
