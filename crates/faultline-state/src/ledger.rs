//! Double-entry ledger of every pot of quote that is not an account balance.

use faultline_units::{AccountId, MarketId, Quote};

/// A place quote can sit. Account balances live on the accounts; every other pot lives
/// in the [`Ledger`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pot {
    /// An account's cross-margin wallet balance.
    Cross(AccountId),
    /// The margin of an account's isolated position in a market.
    Isolated(AccountId, MarketId),
    /// Counterpart of realized PnL: winners are paid from it, losers pay into it.
    PnlPool,
    /// Counterpart of settled funding: payers pay into it, receivers are paid from it.
    FundingPool,
    /// Trading fees collected by the venue.
    FeePool,
    /// The insurance fund.
    InsuranceFund,
    /// Balance of a liquidator (by index).
    Liquidator(usize),
    /// Recorded bad debt, a negative pot: covering a bankrupt account's deficit from it
    /// makes the pot more negative, so `bad debt = −balance`.
    BadDebt,
    /// Counterpart of seized non-quote collateral (by asset index): negative by what
    /// seized accounts were credited, until the sale's proceeds come in.
    Conversion(usize),
}

/// Balances of the venue-level pots, plus what entered from outside.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    /// Everything deposited from outside (accounts, insurance fund seed, liquidity).
    pub deposits: Quote,
    /// Realized external flows after the start (top-ups positive, withdrawals negative).
    pub external_flows: Quote,
    /// See [`Pot::PnlPool`].
    pub pnl_pool: Quote,
    /// See [`Pot::FundingPool`].
    pub funding_pool: Quote,
    /// See [`Pot::FeePool`].
    pub fee_pool: Quote,
    /// See [`Pot::InsuranceFund`].
    pub insurance_fund: Quote,
    /// See [`Pot::Liquidator`].
    pub liquidators: Vec<Quote>,
    /// See [`Pot::BadDebt`] (≤ 0).
    pub bad_debt_pot: Quote,
    /// See [`Pot::Conversion`], by collateral asset.
    pub conversion: Vec<Quote>,
}

impl Ledger {
    /// Outstanding bad debt as a non-negative amount.
    pub fn bad_debt(&self) -> Quote {
        Quote::from_atoms(-self.bad_debt_pot.atoms())
    }

    /// Sum of all venue-level pots, in i128 so the check itself cannot overflow.
    pub fn venue_pots_total(&self) -> i128 {
        let fixed = [
            self.pnl_pool,
            self.funding_pool,
            self.fee_pool,
            self.insurance_fund,
            self.bad_debt_pot,
        ];
        fixed
            .iter()
            .chain(self.liquidators.iter())
            .chain(self.conversion.iter())
            .map(|q| i128::from(q.atoms()))
            .sum()
    }

    pub(crate) fn pot(&self, pot: Pot) -> Option<Quote> {
        Some(match pot {
            Pot::PnlPool => self.pnl_pool,
            Pot::FundingPool => self.funding_pool,
            Pot::FeePool => self.fee_pool,
            Pot::InsuranceFund => self.insurance_fund,
            Pot::Liquidator(i) => *self.liquidators.get(i)?,
            Pot::BadDebt => self.bad_debt_pot,
            Pot::Conversion(k) => *self.conversion.get(k)?,
            Pot::Cross(_) | Pot::Isolated(..) => return None,
        })
    }

    pub(crate) fn pot_mut(&mut self, pot: Pot) -> Option<&mut Quote> {
        Some(match pot {
            Pot::PnlPool => &mut self.pnl_pool,
            Pot::FundingPool => &mut self.funding_pool,
            Pot::FeePool => &mut self.fee_pool,
            Pot::InsuranceFund => &mut self.insurance_fund,
            Pot::Liquidator(i) => self.liquidators.get_mut(i)?,
            Pot::BadDebt => &mut self.bad_debt_pot,
            Pot::Conversion(k) => self.conversion.get_mut(k)?,
            Pot::Cross(_) | Pot::Isolated(..) => return None,
        })
    }
}
