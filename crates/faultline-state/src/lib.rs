//! Simulation state of a perpetual-futures venue: markets, order books, accounts,
//! positions, and the double-entry ledger that makes conservation exact.
//!
//! **Architecture invariant: quote only moves between two [`Pot`]s through
//! [`Venue::transfer`] (or enters through [`Venue::deposit`]).** Nothing else writes a
//! balance, so `Σ pots = deposits + external flows` holds by construction, and
//! [`Venue::conservation_error`] checks it from scratch after every block.
#![forbid(unsafe_code)]

mod account;
mod amm;
mod book;
mod collateral;
mod ledger;
mod market;
mod venue;

pub use account::{Account, AccountKind, MarginMode, Position, TradeOutcome};
pub use amm::{stableswap_d, stableswap_y, AmmCurve, AmmPool};
pub use book::{Book, BookLayout, BookSide, DepthPoint, DepthProfile, Fill, WalkLimit};
pub use collateral::{CollateralAsset, CollateralBook};
pub use ledger::{Ledger, Pot};
pub use market::{LiquidationParams, Market, MarketParams, SpotVenue, StagedParams, VenueBook};
pub use venue::{GroupHealth, MarginGroup, OpenPosition, StateError, Venue};
