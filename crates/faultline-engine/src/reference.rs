//! A market's exogenous reference price over the run: a path made before the run by
//! [`crate::process::generate_paths`] (generated or replayed), read one block at a time.

use faultline_units::{ArithmeticError, Price};

/// The reference path of one market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferencePath {
    prices: Vec<Price>,
    next: usize,
}

impl ReferencePath {
    /// A path from float prices (index 0 is the opening price).
    pub fn from_f64(prices: &[f64]) -> Result<Self, ArithmeticError> {
        let prices = prices
            .iter()
            .map(|p| Price::from_f64(*p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { prices, next: 1 })
    }

    /// The opening price.
    pub fn initial(&self) -> Price {
        self.prices.first().copied().unwrap_or(Price::ZERO)
    }

    /// The next block's price; the last price holds after the path ends.
    pub fn advance(&mut self) -> Price {
        let p = self
            .prices
            .get(self.next)
            .or(self.prices.last())
            .copied()
            .unwrap_or(Price::ZERO);
        self.next += 1;
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_price_per_block_and_holds_the_last() {
        let mut r = ReferencePath::from_f64(&[10.0, 11.0, 12.0]).unwrap();
        assert_eq!(r.initial(), Price::from_units(10).unwrap());
        assert_eq!(r.advance(), Price::from_units(11).unwrap());
        assert_eq!(r.advance(), Price::from_units(12).unwrap());
        assert_eq!(r.advance(), Price::from_units(12).unwrap());
    }
}
