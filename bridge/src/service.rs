//! The bridge's rules, between the HTTP router above and the store and sync engine below.
