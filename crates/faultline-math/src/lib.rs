//! Pure mechanism math: margin tiers, liquidation sizing, bankruptcy and liquidation
//! prices, funding, auto-deleveraging ranking, exact pro-rata splits, and contagion
//! measures (Eisenberg–Noe clearing, DebtRank, Contagion Index).
//!
//! **Architecture invariant: nothing in this crate mutates simulation state.** Every
//! function takes plain values and returns plain values, so each formula can be checked
//! against the venue documentation or test vector it cites, line by line.
#![forbid(unsafe_code)]

pub mod aave;
pub mod adl;
pub mod cdp;
pub mod contagion;
pub mod funding;
pub mod lending;
pub mod liquidation;
pub mod maker;
pub mod margin;
pub mod options;
pub mod split;

pub use faultline_units::ArithmeticError;
