//! The venue: markets, accounts and the ledger, with the only functions that move money.

use crate::account::{Account, AccountKind, MarginMode, Position, TradeOutcome};
use crate::collateral::{CollateralAsset, CollateralBook};
use crate::ledger::{Ledger, Pot};
use crate::market::Market;
use faultline_units::{AccountId, ArithmeticError, Base, MarketId, Ppm, Price, Quote, Rounding};
use thiserror::Error;

/// Errors from state operations. All of them are engine bugs or overflows, never user
/// input, so callers propagate them and stop the run.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum StateError {
    /// Fixed-point overflow.
    #[error(transparent)]
    Arithmetic(#[from] ArithmeticError),
    /// A pot that does not exist (unknown account, liquidator or position).
    #[error("no such pot: {0:?}")]
    UnknownPot(Pot),
    /// Transfers move non-negative amounts; direction is given by `from` and `to`.
    #[error("transfer of a negative amount {amount} from {from:?} to {to:?}")]
    NegativeTransfer {
        /// Source.
        from: Pot,
        /// Destination.
        to: Pot,
        /// The offending amount.
        amount: Quote,
    },
    /// An operation needed a position that is not there.
    #[error("{0} has no position in {1}")]
    NoPosition(AccountId, MarketId),
    /// An isolated position cannot be closed out while its margin is negative.
    #[error("{0}'s isolated margin in {1} is negative ({2}); resolve the deficit first")]
    IsolatedDeficit(AccountId, MarketId, Quote),
}

/// A set of positions that share margin: the cross group, or one isolated position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarginGroup {
    /// The account's cross balance and all its cross positions.
    Cross,
    /// One isolated position.
    Isolated(MarketId),
}

/// Margin health of a group at current mark prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupHealth {
    /// Wallet balance (cross balance or isolated margin).
    pub wallet: Quote,
    /// Haircut value of non-quote collateral (cross groups only).
    pub collateral: Quote,
    /// Sum of unrealized PnL at mark, rounded down.
    pub unrealized_pnl: Quote,
    /// Unsettled funding owed (positive: owed by the account), rounded up.
    pub funding_owed: Quote,
    /// `wallet + collateral + unrealized − funding owed`.
    pub equity: Quote,
    /// Maintenance margin requirement, rounded up.
    pub maintenance: Quote,
    /// Initial margin requirement, rounded up.
    pub initial: Quote,
}

impl GroupHealth {
    /// True when equity is below maintenance margin with positions open.
    pub fn is_liquidatable(&self) -> bool {
        self.maintenance.is_positive() && self.equity < self.maintenance
    }
    /// `max(0, maintenance − equity)`.
    pub fn shortage(&self) -> Result<Quote, ArithmeticError> {
        Ok(self.maintenance.checked_sub(self.equity)?.max(Quote::ZERO))
    }
}

/// The whole venue.
#[derive(Debug, Clone, PartialEq)]
pub struct Venue {
    /// Markets by id.
    pub markets: Vec<Market>,
    /// Accounts by id.
    pub accounts: Vec<Account>,
    /// Non-account pots.
    pub ledger: Ledger,
    /// Non-quote collateral accepted and held.
    pub collateral: CollateralBook,
}

impl Venue {
    /// A venue with markets, `liquidators` liquidator pots and no accounts.
    pub fn new(markets: Vec<Market>, liquidators: usize) -> Self {
        let ledger = Ledger {
            liquidators: vec![Quote::ZERO; liquidators],
            ..Ledger::default()
        };
        Self {
            markets,
            accounts: Vec::new(),
            ledger,
            collateral: CollateralBook::default(),
        }
    }

    /// Accept a non-quote collateral asset; returns its index.
    pub fn add_collateral_asset(&mut self, asset: CollateralAsset) -> usize {
        self.collateral.assets.push(asset);
        self.ledger.conversion.push(Quote::ZERO);
        self.collateral.assets.len() - 1
    }

    /// Scenario set-up: `account` posts asset `k` in place of `value` of its cross
    /// balance, as many atoms as have a haircut value of at most `value` (so its margin
    /// does not change by more than the rounding). The quote it no longer deposits
    /// leaves the venue's deposits. Returns the atoms posted.
    pub fn post_collateral_for(
        &mut self,
        account: AccountId,
        k: usize,
        value: Quote,
    ) -> Result<i128, StateError> {
        let atoms = self.collateral.assets[k].atoms_for(value)?;
        if atoms <= 0 {
            return Ok(0);
        }
        self.cross_boundary(Pot::Cross(account), value, false, Boundary::Deposit)?;
        self.collateral.post(account, k, atoms);
        Ok(atoms)
    }

    /// Set-up: the insurance fund holds `atoms` of asset `k` as its reserve.
    pub fn fund_reserve(&mut self, k: usize, atoms: i128) {
        self.collateral.assets[k].reserve += atoms.max(0);
    }

    /// Convert reserve into the insurance fund until `need` is covered or the reserve is
    /// gone, at its haircut value (the assets go to the seized inventory, to be sold).
    /// Returns the quote credited to the fund.
    pub fn draw_reserve(&mut self, need: Quote) -> Result<Quote, StateError> {
        let mut left = need;
        let mut total = Quote::ZERO;
        for k in 0..self.collateral.assets.len() {
            if !left.is_positive() {
                break;
            }
            let asset = &mut self.collateral.assets[k];
            if asset.reserve <= 0 {
                continue;
            }
            let atoms = asset.atoms_covering(left)?.min(asset.reserve);
            let credit = asset.haircut_value(atoms)?;
            asset.reserve -= atoms;
            asset.seized += atoms;
            self.transfer(Pot::Conversion(k), Pot::InsuranceFund, credit)?;
            left = left.checked_sub(credit)?;
            total = total.checked_add(credit)?;
        }
        Ok(total)
    }

    /// Seize everything `account` posted: the assets go to the venue's inventory and the
    /// account is credited their haircut value from the conversion pots (equity does not
    /// change). Returns the total credited.
    pub fn seize_collateral(&mut self, account: AccountId) -> Result<Quote, StateError> {
        let mut total = Quote::ZERO;
        for (k, atoms) in self.collateral.take_all(account) {
            let credit = self.collateral.assets[k].haircut_value(atoms)?;
            self.transfer(Pot::Conversion(k), Pot::Cross(account), credit)?;
            total = total.checked_add(credit)?;
        }
        Ok(total)
    }

    /// `atoms` of seized asset `k` were sold outside the venue for `proceeds`, which
    /// enter as an external flow. When the inventory is gone the conversion pot is
    /// settled: a surplus goes to the insurance fund; a deficit is paid by it as far as
    /// it goes and the rest becomes bad debt. Returns `(surplus, paid by the fund,
    /// left as bad debt)`.
    pub fn settle_collateral_sale(
        &mut self,
        k: usize,
        atoms: i128,
        proceeds: Quote,
    ) -> Result<(Quote, Quote, Quote), StateError> {
        let asset = &mut self.collateral.assets[k];
        asset.seized =
            asset
                .seized
                .checked_sub(atoms)
                .filter(|s| *s >= 0)
                .ok_or(StateError::Arithmetic(
                    faultline_units::ArithmeticError::new("sold more collateral than was seized"),
                ))?;
        let done = asset.seized == 0;
        self.inject(Pot::Conversion(k), proceeds)?;
        if !done {
            return Ok((Quote::ZERO, Quote::ZERO, Quote::ZERO));
        }
        let net = self.ledger.conversion[k];
        if net.is_positive() {
            self.transfer(Pot::Conversion(k), Pot::InsuranceFund, net)?;
            return Ok((net, Quote::ZERO, Quote::ZERO));
        }
        let loss = net.checked_neg()?;
        let paid = loss.min(self.ledger.insurance_fund.max(Quote::ZERO));
        self.transfer(Pot::InsuranceFund, Pot::Conversion(k), paid)?;
        let rest = loss.checked_sub(paid)?;
        self.transfer(Pot::BadDebt, Pot::Conversion(k), rest)?;
        Ok((Quote::ZERO, paid, rest))
    }

    /// Open a new, empty account.
    pub fn add_account(&mut self, kind: AccountKind) -> AccountId {
        let id = AccountId(u32::try_from(self.accounts.len()).unwrap_or(u32::MAX));
        self.accounts.push(Account::new(id, kind));
        id
    }

    /// A copy of `account`'s position in `market`, or [`StateError::NoPosition`].
    pub fn position_of(
        &self,
        account: AccountId,
        market: MarketId,
    ) -> Result<Position, StateError> {
        self.accounts[account.index()]
            .position(market)
            .copied()
            .ok_or(StateError::NoPosition(account, market))
    }

    /// The pot that margins `account`'s position in `market`.
    pub fn position_pot(&self, account: AccountId, market: MarketId) -> Pot {
        match self.accounts[account.index()]
            .position(market)
            .map(|p| p.mode)
        {
            Some(MarginMode::Isolated) => Pot::Isolated(account, market),
            _ => Pot::Cross(account),
        }
    }

    /// Current balance of a pot.
    pub fn balance(&self, pot: Pot) -> Result<Quote, StateError> {
        match pot {
            Pot::Cross(a) => self
                .accounts
                .get(a.index())
                .map(|x| x.cross_balance)
                .ok_or(StateError::UnknownPot(pot)),
            Pot::Isolated(a, m) => self
                .accounts
                .get(a.index())
                .and_then(|x| x.position(m))
                .filter(|p| p.mode == MarginMode::Isolated)
                .map(|p| p.isolated_margin)
                .ok_or(StateError::UnknownPot(pot)),
            _ => self.ledger.pot(pot).ok_or(StateError::UnknownPot(pot)),
        }
    }

    fn pot_mut(&mut self, pot: Pot) -> Result<&mut Quote, StateError> {
        match pot {
            Pot::Cross(a) => self
                .accounts
                .get_mut(a.index())
                .map(|x| &mut x.cross_balance)
                .ok_or(StateError::UnknownPot(pot)),
            Pot::Isolated(a, m) => self
                .accounts
                .get_mut(a.index())
                .and_then(|x| x.position_mut(m))
                .filter(|p| p.mode == MarginMode::Isolated)
                .map(|p| &mut p.isolated_margin)
                .ok_or(StateError::UnknownPot(pot)),
            _ => self.ledger.pot_mut(pot).ok_or(StateError::UnknownPot(pot)),
        }
    }

    /// Money entering after the start (a treasury top-up): counted as an external flow.
    pub fn inject(&mut self, to: Pot, amount: Quote) -> Result<(), StateError> {
        self.cross_boundary(to, amount, true, Boundary::ExternalFlow)
    }

    /// Money leaving the venue (a depositor's withdrawal): counted as an external flow.
    pub fn withdraw(&mut self, from: Pot, amount: Quote) -> Result<(), StateError> {
        self.cross_boundary(from, amount, false, Boundary::ExternalFlow)
    }

    /// Bring `amount` (≥ 0) into the venue from outside.
    pub fn deposit(&mut self, to: Pot, amount: Quote) -> Result<(), StateError> {
        self.cross_boundary(to, amount, true, Boundary::Deposit)
    }

    /// Move `amount` (≥ 0) into (`incoming`) or out of `pot` across the venue's
    /// boundary, counted in the ledger's `counter` so conservation still balances.
    fn cross_boundary(
        &mut self,
        pot: Pot,
        amount: Quote,
        incoming: bool,
        counter: Boundary,
    ) -> Result<(), StateError> {
        if amount.is_negative() {
            return Err(StateError::NegativeTransfer {
                from: pot,
                to: pot,
                amount,
            });
        }
        let signed = if incoming {
            amount
        } else {
            amount.checked_neg()?
        };
        let p = self.pot_mut(pot)?;
        *p = p.checked_add(signed)?;
        let c = match counter {
            Boundary::Deposit => &mut self.ledger.deposits,
            Boundary::ExternalFlow => &mut self.ledger.external_flows,
        };
        *c = c.checked_add(signed)?;
        Ok(())
    }

    /// Move `amount` (≥ 0) from one pot to another. The only way quote moves.
    pub fn transfer(&mut self, from: Pot, to: Pot, amount: Quote) -> Result<(), StateError> {
        if amount.is_negative() {
            return Err(StateError::NegativeTransfer { from, to, amount });
        }
        if amount.is_zero() || from == to {
            return Ok(());
        }
        // Check both pots exist before touching either.
        self.balance(to)?;
        let src = self.pot_mut(from)?;
        *src = src.checked_sub(amount)?;
        let dst = self.pot_mut(to)?;
        *dst = dst.checked_add(amount)?;
        Ok(())
    }

    /// Move a signed amount: positive from `a` to `b`, negative from `b` to `a`.
    pub fn transfer_signed(&mut self, a: Pot, b: Pot, amount: Quote) -> Result<(), StateError> {
        if amount.is_negative() {
            self.transfer(b, a, amount.checked_neg()?)
        } else {
            self.transfer(a, b, amount)
        }
    }

    /// `Σ every pot − (deposits + external flows)`, in quote atoms. Zero when conserved.
    pub fn conservation_error(&self) -> i128 {
        let accounts: i128 = self
            .accounts
            .iter()
            .map(|a| {
                i128::from(a.cross_balance.atoms())
                    + a.positions
                        .iter()
                        .map(|p| i128::from(p.isolated_margin.atoms()))
                        .sum::<i128>()
            })
            .sum();
        let expected = i128::from(self.ledger.deposits.atoms())
            + i128::from(self.ledger.external_flows.atoms());
        accounts + self.ledger.venue_pots_total() - expected
    }

    /// The margin groups of an account: cross first, then isolated positions by market.
    pub fn groups_of(&self, account: AccountId) -> impl Iterator<Item = MarginGroup> + '_ {
        let isolated = self.accounts[account.index()]
            .positions
            .iter()
            .filter(|p| p.mode == MarginMode::Isolated)
            .map(|p| MarginGroup::Isolated(p.market));
        std::iter::once(MarginGroup::Cross).chain(isolated)
    }

    /// The group a position belongs to.
    pub fn group_of(&self, account: AccountId, market: MarketId) -> MarginGroup {
        match self.position_pot(account, market) {
            Pot::Isolated(_, m) => MarginGroup::Isolated(m),
            _ => MarginGroup::Cross,
        }
    }

    /// The pot backing a group.
    pub fn group_pot(account: AccountId, group: MarginGroup) -> Pot {
        match group {
            MarginGroup::Cross => Pot::Cross(account),
            MarginGroup::Isolated(m) => Pot::Isolated(account, m),
        }
    }

    fn in_group(p: &Position, group: MarginGroup) -> bool {
        match group {
            MarginGroup::Cross => p.mode == MarginMode::Cross,
            MarginGroup::Isolated(m) => p.mode == MarginMode::Isolated && p.market == m,
        }
    }

    /// Maintenance margin of one position at the market's mark.
    pub fn position_maintenance(&self, p: &Position) -> Result<Quote, ArithmeticError> {
        let m = &self.markets[p.market.index()];
        let notional = p.size.notional(m.mark_price, Rounding::Ceil)?.abs();
        m.params
            .margin
            .maintenance_margin(notional)?
            .mul_ppm(m.margin_multiplier, Rounding::Ceil)
    }

    /// Health of a margin group at current marks.
    pub fn group_health(
        &self,
        account: AccountId,
        group: MarginGroup,
    ) -> Result<GroupHealth, StateError> {
        let acct = &self.accounts[account.index()];
        let mut h = GroupHealth {
            wallet: self.balance(Self::group_pot(account, group))?,
            ..GroupHealth::default()
        };
        if group == MarginGroup::Cross && !self.collateral.is_empty() {
            h.collateral = self.collateral.account_value(account)?;
        }
        for p in acct.positions.iter().filter(|p| Self::in_group(p, group)) {
            let m = &self.markets[p.market.index()];
            let notional = p.size.notional(m.mark_price, Rounding::Ceil)?.abs();
            h.unrealized_pnl = h
                .unrealized_pnl
                .checked_add(p.unrealized_pnl(m.mark_price)?)?;
            h.funding_owed = h
                .funding_owed
                .checked_add(p.funding_owed(m.funding_index)?)?;
            h.maintenance = h.maintenance.checked_add(
                m.params
                    .margin
                    .maintenance_margin(notional)?
                    .mul_ppm(m.margin_multiplier, Rounding::Ceil)?,
            )?;
            h.initial = h.initial.checked_add(
                m.params
                    .margin
                    .initial_margin(notional, p.leverage)?
                    .mul_ppm(m.margin_multiplier, Rounding::Ceil)?,
            )?;
        }
        h.equity = h
            .wallet
            .checked_add(h.collateral)?
            .checked_add(h.unrealized_pnl)?
            .checked_sub(h.funding_owed)?;
        Ok(h)
    }

    /// Settle a position's funding into the funding pool and move its snapshot.
    pub fn settle_funding(
        &mut self,
        account: AccountId,
        market: MarketId,
    ) -> Result<Quote, StateError> {
        let index = self.markets[market.index()].funding_index;
        let pot = self.position_pot(account, market);
        let p = self.accounts[account.index()]
            .position_mut(market)
            .ok_or(StateError::NoPosition(account, market))?;
        let owed = p.funding_owed(index)?;
        p.funding_snapshot = index;
        self.transfer_signed(pot, Pot::FundingPool, owed)?;
        Ok(owed)
    }

    /// Open a position directly at `price` (scenario set-up), creating it if needed.
    /// The liquidity provider takes the other side at the same price.
    pub fn open_position(&mut self, spec: OpenPosition) -> Result<(), StateError> {
        let OpenPosition {
            account,
            market,
            mode,
            size,
            price,
            leverage,
            lp,
        } = spec;
        self.ensure_position(account, market, mode, leverage)?;
        self.trade(account, market, size, price)?;
        if let Some(lp) = lp {
            self.ensure_position(lp, market, MarginMode::Cross, None)?;
            self.trade(lp, market, size.checked_neg()?, price)?;
        }
        Ok(())
    }

    /// Make sure `account` has a position slot in `market` (a new one is flat, with
    /// `mode` and `leverage`; an existing one is left as it is).
    pub fn ensure_position(
        &mut self,
        account: AccountId,
        market: MarketId,
        mode: MarginMode,
        leverage: Option<Ppm>,
    ) -> Result<(), StateError> {
        let index = self.markets[market.index()].funding_index;
        let acct = &mut self.accounts[account.index()];
        if acct.position(market).is_none() {
            let p = Position {
                market,
                size: Base::ZERO,
                entry_price: Price::ZERO,
                funding_snapshot: index,
                mode,
                isolated_margin: Quote::ZERO,
                leverage,
            };
            let at = acct.positions.partition_point(|q| q.market < market);
            acct.positions.insert(at, p);
        }
        Ok(())
    }

    /// Apply a fill of signed `delta` at `price` to an existing position: funding is
    /// settled first, realized PnL moves through the PnL pool and trader open interest
    /// is kept current. Empty positions stay until [`Venue::remove_if_flat`].
    pub fn trade(
        &mut self,
        account: AccountId,
        market: MarketId,
        delta: Base,
        price: Price,
    ) -> Result<TradeOutcome, StateError> {
        self.settle_funding(account, market)?;
        let pot = self.position_pot(account, market);
        let kind = self.accounts[account.index()].kind;
        let p = self.accounts[account.index()]
            .position_mut(market)
            .ok_or(StateError::NoPosition(account, market))?;
        let before = p.size;
        let out = p.apply_fill(delta, price)?;
        let after = p.size;
        self.transfer_signed(Pot::PnlPool, pot, out.realized_pnl)?;
        if kind == AccountKind::Trader {
            let m = &mut self.markets[market.index()];
            let long = |s: Base| s.max(Base::ZERO);
            let short = |s: Base| Base::from_atoms(-s.atoms()).max(Base::ZERO);
            m.trader_long_oi = m
                .trader_long_oi
                .checked_add(long(after))?
                .checked_sub(long(before))?;
            m.trader_short_oi = m
                .trader_short_oi
                .checked_add(short(after))?
                .checked_sub(short(before))?;
        }
        Ok(out)
    }

    /// Remove a flat position; an isolated one returns its margin to the cross balance.
    pub fn remove_if_flat(
        &mut self,
        account: AccountId,
        market: MarketId,
    ) -> Result<(), StateError> {
        let Some(p) = self.accounts[account.index()].position(market).copied() else {
            return Ok(());
        };
        if !p.size.is_zero() {
            return Ok(());
        }
        if p.mode == MarginMode::Isolated {
            if p.isolated_margin.is_negative() {
                return Err(StateError::IsolatedDeficit(
                    account,
                    market,
                    p.isolated_margin,
                ));
            }
            self.transfer(
                Pot::Isolated(account, market),
                Pot::Cross(account),
                p.isolated_margin,
            )?;
        }
        self.accounts[account.index()]
            .positions
            .retain(|q| q.market != market);
        Ok(())
    }

    /// The liquidation price if maintenance requirements were `scale` times the schedule
    /// (the index uses the largest multiplier volatility-scaled margin can reach).
    pub fn liquidation_price_at_scale(
        &self,
        account: AccountId,
        market: MarketId,
        scale: Ppm,
    ) -> Result<Option<Price>, StateError> {
        let p = self.position_of(account, market)?;
        let group = self.group_of(account, market);
        let h = self.group_health(account, group)?;
        let m = &self.markets[market.index()];
        let rescale = |q: Quote| {
            q.mul_div(
                i128::from(scale.atoms()),
                i128::from(m.margin_multiplier.atoms().max(1)),
                Rounding::Ceil,
            )
        };
        let other = rescale(h.maintenance.checked_sub(self.position_maintenance(&p)?)?)?;
        Ok(faultline_math::liquidation::liquidation_price_scaled(
            h.equity,
            p.size,
            m.mark_price,
            other,
            &m.params.margin,
            scale,
        )?)
    }

    /// The mark-price liquidation price of a position (other positions of a cross group
    /// held at their marks). See [`faultline_math::liquidation::liquidation_price`].
    pub fn liquidation_price(
        &self,
        account: AccountId,
        market: MarketId,
    ) -> Result<Option<Price>, StateError> {
        self.liquidation_price_at_scale(
            account,
            market,
            self.markets[market.index()].margin_multiplier,
        )
    }

    /// The bankruptcy price of closing the whole position, dYdX v4's formula with the
    /// group's equity pro-rated by maintenance margin.
    pub fn bankruptcy_price(
        &self,
        account: AccountId,
        market: MarketId,
    ) -> Result<Option<Price>, StateError> {
        let p = self.position_of(account, market)?;
        let h = self.group_health(account, self.group_of(account, market))?;
        let m = &self.markets[market.index()];
        let input = faultline_math::liquidation::BankruptcyInput {
            delta: p.size.checked_neg()?,
            mark: m.mark_price,
            total_net_collateral: h.equity,
            delta_maintenance: self.position_maintenance(&p)?,
            total_maintenance: h.maintenance,
        };
        Ok(faultline_math::liquidation::bankruptcy_price(input)?)
    }

    /// `equity / maintenance` of a group in ppm (`None` without requirement).
    pub fn margin_ratio(h: &GroupHealth) -> Result<Option<Ppm>, ArithmeticError> {
        if !h.maintenance.is_positive() {
            return Ok(None);
        }
        h.equity.ratio_to(h.maintenance, Rounding::Floor).map(Some)
    }
}

/// Arguments of [`Venue::open_position`].
#[derive(Debug, Clone, Copy)]
pub struct OpenPosition {
    /// Owner.
    pub account: AccountId,
    /// Market.
    pub market: MarketId,
    /// Cross or isolated.
    pub mode: MarginMode,
    /// Signed size.
    pub size: Base,
    /// Entry price.
    pub price: Price,
    /// Chosen leverage.
    pub leverage: Option<Ppm>,
    /// Liquidity provider taking the other side, if any.
    pub lp: Option<AccountId>,
}

/// Which ledger counter a flow across the venue's boundary is recorded in.
#[derive(Debug, Clone, Copy)]
enum Boundary {
    /// Money brought in at set-up.
    Deposit,
    /// Money entering or leaving during the run.
    ExternalFlow,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::{Book, BookLayout, DepthPoint, DepthProfile};
    use crate::market::{LiquidationParams, MarketParams};
    use faultline_math::funding::FundingParams;
    use faultline_math::margin::MarginSchedule;

    fn venue() -> Venue {
        let profile = DepthProfile::new(vec![DepthPoint {
            offset: Ppm::from_bps(100),
            cumulative_quote: Quote::from_units(1_000_000).unwrap(),
        }])
        .unwrap();
        let layout = BookLayout {
            profile,
            half_spread: Ppm::from_bps(5),
            level_step: Ppm::from_bps(10),
            refill_per_block: Ppm::ZERO,
        };
        let price = Price::from_units(100).unwrap();
        let params = MarketParams {
            symbol: "T".into(),
            margin: MarginSchedule::flat(Ppm::from_units(20).unwrap(), None).unwrap(),
            liquidation: LiquidationParams {
                fee: Ppm::ZERO,
                liquidator_share: Ppm::ZERO,
                staged: None,
            },
            funding: FundingParams {
                interest_rate: Ppm::ZERO,
                premium_clamp: Ppm::ZERO,
                rate_cap: Ppm::ZERO,
                interval_ms: 1,
            },
            taker_fee: Ppm::ZERO,
        };
        let market = Market::new(
            MarketId(0),
            params,
            Book::new(&layout, price).unwrap(),
            price,
        );
        Venue::new(vec![market], 1)
    }

    fn q(x: i64) -> Quote {
        Quote::from_units(x).unwrap()
    }

    fn stable(price: f64) -> CollateralAsset {
        CollateralAsset {
            name: "S".into(),
            scale: 10i128.pow(18),
            price: Price::from_f64(price).unwrap(),
            haircut: Ppm::from_fraction(0.1).unwrap(),
            seized: 0,
            reserve: 0,
        }
    }

    #[test]
    fn posted_collateral_counts_at_its_haircut_value_and_seizure_keeps_equity() {
        let mut v = venue();
        let a = v.add_account(AccountKind::Trader);
        v.deposit(Pot::Cross(a), q(1_000)).unwrap();
        let k = v.add_collateral_asset(stable(1.0));
        let atoms = v.post_collateral_for(a, k, q(400)).unwrap();
        // $400 of margin at 90% of $1: 444.44… units, rounded down.
        assert_eq!(atoms, 444_444_444_444_444_444_444);
        let h = v.group_health(a, MarginGroup::Cross).unwrap();
        assert_eq!(h.wallet, q(600));
        assert!(
            h.collateral <= q(400)
                && h.collateral > q(400).checked_sub(Quote::from_atoms(2)).unwrap()
        );
        assert_eq!(v.conservation_error(), 0);
        // The asset halves: the account loses half of what it counted.
        v.collateral.assets[k].price = Price::from_f64(0.5).unwrap();
        let before = v.group_health(a, MarginGroup::Cross).unwrap();
        assert_eq!(before.collateral, Quote::from_atoms(199_999_999));
        v.seize_collateral(a).unwrap();
        let after = v.group_health(a, MarginGroup::Cross).unwrap();
        assert_eq!(after.equity, before.equity, "seizure is equity-neutral");
        assert_eq!(after.collateral, Quote::ZERO);
        assert_eq!(v.collateral.assets[k].seized, atoms);
        assert_eq!(v.ledger.conversion[k], Quote::from_atoms(-199_999_999));
        assert_eq!(v.conservation_error(), 0);
    }

    #[test]
    fn a_sale_below_the_credit_is_paid_by_the_fund_then_becomes_bad_debt() {
        let mut v = venue();
        let a = v.add_account(AccountKind::Trader);
        v.deposit(Pot::Cross(a), q(1_000)).unwrap();
        v.deposit(Pot::InsuranceFund, q(50)).unwrap();
        let k = v.add_collateral_asset(stable(1.0));
        let atoms = v.post_collateral_for(a, k, q(900)).unwrap();
        v.seize_collateral(a).unwrap();
        // Half sold: nothing settles until the inventory is gone.
        let half = atoms / 2;
        assert_eq!(
            v.settle_collateral_sale(k, half, q(400)).unwrap(),
            (Quote::ZERO, Quote::ZERO, Quote::ZERO)
        );
        assert!(
            v.settle_collateral_sale(k, atoms, q(1)).is_err(),
            "cannot sell more than seized"
        );
        // The rest fetches $400: $900 was credited, $800 came in.
        let (gain, paid, rest) = v.settle_collateral_sale(k, atoms - half, q(400)).unwrap();
        assert_eq!(gain, Quote::ZERO);
        assert_eq!(paid, q(50));
        assert_eq!(rest, q(50));
        assert_eq!(v.ledger.insurance_fund, Quote::ZERO);
        assert_eq!(v.ledger.bad_debt(), q(50));
        assert_eq!(v.ledger.conversion[k], Quote::ZERO);
        assert_eq!(v.conservation_error(), 0);
    }

    #[test]
    fn the_reserve_is_drawn_at_its_haircut_value_only_for_what_is_needed() {
        let mut v = venue();
        v.deposit(Pot::InsuranceFund, q(10)).unwrap();
        let k = v.add_collateral_asset(stable(2.0));
        v.fund_reserve(k, 100 * 10i128.pow(18)); // 100 units at $2 less 10%: $180
        assert_eq!(v.collateral.reserve_value().unwrap(), q(180));
        let drawn = v.draw_reserve(q(36)).unwrap();
        assert!(drawn >= q(36) && drawn < q(36).checked_add(Quote::from_atoms(2)).unwrap());
        assert_eq!(v.collateral.assets[k].seized, 20 * 10i128.pow(18));
        assert_eq!(v.collateral.held(k), 100 * 10i128.pow(18));
        assert_eq!(v.ledger.insurance_fund, q(10).checked_add(drawn).unwrap());
        // More than it holds: all of it, no more.
        let rest = v.draw_reserve(q(1_000)).unwrap();
        assert_eq!(rest, q(144));
        assert_eq!(v.collateral.assets[k].reserve, 0);
        assert_eq!(v.conservation_error(), 0);
    }

    #[test]
    fn transfers_conserve_and_reject_negative_amounts_and_unknown_pots() {
        let mut v = venue();
        let a = v.add_account(AccountKind::Trader);
        v.deposit(Pot::Cross(a), q(100)).unwrap();
        v.transfer(Pot::Cross(a), Pot::InsuranceFund, q(30))
            .unwrap();
        v.transfer(Pot::BadDebt, Pot::Cross(a), q(5)).unwrap();
        assert_eq!(v.conservation_error(), 0);
        assert_eq!(v.ledger.bad_debt(), q(5));
        assert!(matches!(
            v.transfer(Pot::Cross(a), Pot::FeePool, q(-1)),
            Err(StateError::NegativeTransfer { .. })
        ));
        assert!(matches!(
            v.transfer(Pot::Cross(a), Pot::Cross(AccountId(9)), q(1)),
            Err(StateError::UnknownPot(_))
        ));
        assert_eq!(
            v.balance(Pot::Cross(a)).unwrap(),
            q(75),
            "a failed transfer moved nothing"
        );
    }

    #[test]
    fn an_isolated_loss_stays_in_its_group() {
        let mut v = venue();
        let lp = v.add_account(AccountKind::LiquidityProvider);
        v.deposit(Pot::Cross(lp), q(1_000_000)).unwrap();
        let a = v.add_account(AccountKind::Trader);
        v.deposit(Pot::Cross(a), q(1_000)).unwrap();
        let open = OpenPosition {
            account: a,
            market: MarketId(0),
            mode: MarginMode::Isolated,
            size: Base::from_units(10).unwrap(),
            price: Price::from_units(100).unwrap(),
            leverage: None,
            lp: Some(lp),
        };
        v.open_position(open).unwrap();
        v.deposit(Pot::Isolated(a, MarketId(0)), q(100)).unwrap();
        v.markets[0].mark_price = Price::from_units(80).unwrap(); // −200 on a 100 margin
        let iso = v
            .group_health(a, MarginGroup::Isolated(MarketId(0)))
            .unwrap();
        assert_eq!(iso.equity, q(-100));
        let cross = v.group_health(a, MarginGroup::Cross).unwrap();
        assert_eq!(
            cross.equity,
            q(1_000),
            "the cross balance does not see the isolated loss"
        );
        // Closed at a loss, the position cannot be removed while its margin is negative.
        v.trade(
            a,
            MarketId(0),
            Base::from_units(-10).unwrap(),
            Price::from_units(80).unwrap(),
        )
        .unwrap();
        assert!(matches!(
            v.remove_if_flat(a, MarketId(0)),
            Err(StateError::IsolatedDeficit(..))
        ));
        v.transfer(
            Pot::InsuranceFund,
            Pot::Isolated(a, MarketId(0)),
            Quote::ZERO,
        )
        .unwrap();
        v.transfer(Pot::BadDebt, Pot::Isolated(a, MarketId(0)), q(100))
            .unwrap();
        v.remove_if_flat(a, MarketId(0)).unwrap();
        assert_eq!(v.balance(Pot::Cross(a)).unwrap(), q(1_000));
        assert_eq!(v.conservation_error(), 0);
    }

    #[test]
    fn trades_realize_pnl_through_the_pool_and_track_trader_open_interest() {
        let mut v = venue();
        let lp = v.add_account(AccountKind::LiquidityProvider);
        let a = v.add_account(AccountKind::Trader);
        v.deposit(Pot::Cross(a), q(1_000)).unwrap();
        let open = OpenPosition {
            account: a,
            market: MarketId(0),
            mode: MarginMode::Cross,
            size: Base::from_units(2).unwrap(),
            price: Price::from_units(100).unwrap(),
            leverage: None,
            lp: Some(lp),
        };
        v.open_position(open).unwrap();
        assert_eq!(v.markets[0].trader_long_oi, Base::from_units(2).unwrap());
        let out = v
            .trade(
                a,
                MarketId(0),
                Base::from_units(-1).unwrap(),
                Price::from_units(110).unwrap(),
            )
            .unwrap();
        assert_eq!(out.realized_pnl, q(10));
        assert_eq!(v.balance(Pot::Cross(a)).unwrap(), q(1_010));
        assert_eq!(v.ledger.pnl_pool, q(-10));
        assert_eq!(v.markets[0].trader_long_oi, Base::from_units(1).unwrap());
        assert_eq!(v.conservation_error(), 0);
    }

    #[test]
    fn the_open_interest_cap_counts_each_side_at_the_opening_price() {
        let mut v = venue();
        let lp = v.add_account(AccountKind::LiquidityProvider);
        let a = v.add_account(AccountKind::Trader);
        let b = |x: i64| Base::from_units(x).unwrap();
        let px = Price::from_units(100).unwrap();
        assert!(v.markets[0].admits_opening(true, b(1_000), px).unwrap());
        v.markets[0].open_interest_cap = Some(q(1_000));
        v.open_position(OpenPosition {
            account: a,
            market: MarketId(0),
            mode: MarginMode::Cross,
            size: b(6),
            price: px,
            leverage: None,
            lp: Some(lp),
        })
        .unwrap();
        let m = &v.markets[0];
        // Longs hold 6 × 100 = 600: 4 more reach the cap exactly, 5 pass it.
        assert!(m.admits_opening(true, b(4), px).unwrap());
        assert!(!m.admits_opening(true, b(5), px).unwrap());
        // The short side is counted on its own.
        assert!(m.admits_opening(false, b(10), px).unwrap());
        assert!(!m.admits_opening(false, b(11), px).unwrap());
        // At a lower price the same base is less notional.
        let low = Price::from_units(50).unwrap();
        assert!(m.admits_opening(true, b(14), low).unwrap());
        assert!(!m.admits_opening(true, b(15), low).unwrap());
    }
}
