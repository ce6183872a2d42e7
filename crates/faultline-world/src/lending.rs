//! An Aave v3-like lending market with any number of reserves, in integer arithmetic.
//!
//! Each reserve is an asset that may be borrowed and/or posted as collateral, priced by
//! a named oracle. Balances are kept scaled, as Aave keeps them: a borrower's debt is
//! `scaled × borrow index`, a supplier's claim `scaled × liquidity index`; the indices
//! grow every block of the market's chain with the kinked rate curve (linear per block;
//! Aave compounds the borrow index with a three-term Taylor expansion per update, which
//! per-block updates make indistinguishable). The reserve factor's share of interest is
//! credited to the treasury as scaled supply (`accruedToTreasury`).
//!
//! Tokens sit in the ledger: the market's contract holds every reserve's cash and the
//! collateral posted; borrowed tokens sit in the borrowers' wallets. Users are claims in
//! the books here. Liquidations follow [`faultline_math::aave`]; a borrower left with no
//! collateral and some debt has that debt written off as a reserve deficit (v3.3),
//! covered first by the treasury's accrued claims, the rest borne by suppliers.

mod accounts;
mod repay;
mod run;

pub use accounts::Account;

pub use run::{RunReport, RunSpec};

use crate::ledger::{HolderId, Ledger};
use crate::record::{BorneBy, LendingDetail, ProtocolRow, ProtocolSummary};
use crate::spec::{ChainId, OracleId};
use crate::WorldError;
use faultline_math::aave::{self, RateCurveRay, RAY};
use faultline_units::{mul_div_wide, Amount, AssetId, Ppm, Price, Rounding, Value};

const ONE_PPM: i128 = 1_000_000;
const MS_PER_YEAR: i128 = 365 * 24 * 3_600_000;

/// A reserve's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ReserveSpec {
    /// The asset.
    pub asset: AssetId,
    /// Its decimals.
    pub decimals: u8,
    /// The oracle that prices it.
    pub oracle: OracleId,
    /// Loan-to-value: how much may be borrowed against it.
    pub ltv: Ppm,
    /// Liquidation threshold.
    pub liquidation_threshold: Ppm,
    /// Liquidation bonus as a multiplier (1.05 → 1,050,000).
    pub liquidation_bonus: Ppm,
    /// May be posted as collateral.
    pub collateral: bool,
    /// May be borrowed.
    pub borrowable: bool,
    /// Supplied by depositors at the start, atoms.
    pub supplied: i128,
    /// Interest-rate curve.
    pub rate: RateCurveRay,
    /// Share of interest to the treasury.
    pub reserve_factor: Ppm,
    /// Its depositors run when the market looks distressed.
    pub run: Option<RunSpec>,
    /// Most the reserve may hold supplied (deposits, collateral, treasury), atoms.
    pub supply_cap: Option<i128>,
    /// Most that may be borrowed from it, atoms.
    pub borrow_cap: Option<i128>,
}

/// A population of borrowers, drawn from the run's seed.
#[derive(Debug, Clone, PartialEq)]
pub struct BorrowerPopulation {
    /// How many.
    pub count: u32,
    /// Collateral reserves (indices into the market's reserves) and each one's share of
    /// a borrower's collateral value.
    pub collateral: Vec<(usize, Ppm)>,
    /// The reserve borrowed.
    pub debt: usize,
    /// Collateral value per borrower, dollars, drawn log-uniformly from this range.
    pub collateral_value: (f64, f64),
    /// Health factor at the start, drawn uniformly from this range (capped so the loan
    /// respects the LTV).
    pub health_factor: (f64, f64),
    /// Listed debts, atoms of the debt asset, one borrower each (then `count` and
    /// `collateral_value` are not used).
    pub debts: Vec<i128>,
    /// Borrowers who close their loan when its rate passes a level, selling their
    /// collateral along a route into the debt asset.
    pub repay: Option<RepayRule>,
}

/// When and how rate-sensitive borrowers close their loans.
#[derive(Debug, Clone, PartialEq)]
pub struct RepayRule {
    /// The borrow rate (per year, ray) above which they close.
    pub above_rate: i128,
    /// Venues they sell each collateral asset through, in order, until they hold the
    /// debt asset (one route for all their collateral).
    pub route: Vec<crate::spec::VenueId>,
}

/// What a reserve fund holds of one asset, and where it sells it to cover a deficit in
/// another.
#[derive(Debug, Clone, PartialEq)]
pub struct FundHolding {
    /// The asset.
    pub asset: AssetId,
    /// Atoms at the start.
    pub amount: i128,
    /// A pool trading it against the asset in deficit (`None`: it pays only a deficit
    /// in this asset).
    pub sell_on: Option<crate::spec::VenueId>,
}

/// A lending market's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct LendingSpec {
    /// Name.
    pub name: String,
    /// The chain it runs on.
    pub chain: ChainId,
    /// Reserves.
    pub reserves: Vec<ReserveSpec>,
    /// Borrowers.
    pub borrowers: Vec<BorrowerPopulation>,
    /// Share of the liquidation bonus that goes to the treasury.
    pub liquidation_protocol_fee: Ppm,
    /// A fund outside the reserves that covers deficits (Aave's Safety Module, later
    /// Umbrella), after the treasury's accrued claims.
    pub reserve_fund: Vec<FundHolding>,
    /// Aave v3.3's close factor and dust rule, or a fixed close factor (Compound v2).
    pub close_factor: aave::CloseFactor,
}

/// The call a liquidator can send that v3.3 accepts (`MUST_NOT_LEAVE_DUST`): as asked;
/// or, when that would leave under $1,000 of debt or collateral, the most the close factor
/// allows if that clears the debt or the collateral; or else the largest smaller amount
/// that leaves at least $1,000 of both (by bisection: covering less leaves more). `None`
/// when no call is accepted.
fn valid_call(
    call: &mut aave::LiquidationCall,
) -> Result<Option<aave::LiquidationOutcome>, WorldError> {
    let asked = aave::liquidation_call(call)?;
    if !asked.leaves_dust {
        return Ok(Some(asked));
    }
    let cover = call.debt_to_cover;
    call.debt_to_cover = i128::MAX;
    let most = aave::liquidation_call(call)?;
    if !most.leaves_dust {
        return Ok(Some(most));
    }
    let (mut lo, mut hi) = (0i128, asked.debt_repaid.min(cover));
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        call.debt_to_cover = mid;
        if aave::liquidation_call(call)?.leaves_dust {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    if lo <= 0 {
        return Ok(None);
    }
    call.debt_to_cover = lo;
    let o = aave::liquidation_call(call)?;
    Ok((!o.leaves_dust).then_some(o))
}

/// A reserve's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reserve {
    /// Liquidity index, ray.
    pub liquidity_index: i128,
    /// Borrow index, ray.
    pub borrow_index: i128,
    /// Σ scaled supply (depositors, collateral, treasury).
    pub supply_scaled: i128,
    /// Σ scaled debt.
    pub debt_scaled: i128,
    /// Depositors' scaled supply.
    pub depositors_scaled: i128,
    /// Treasury's scaled supply.
    pub treasury_scaled: i128,
    /// Debt written off with no collateral behind it (v3.3 deficit), atoms.
    pub deficit: i128,
}

/// What happened in a market so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LendingStats {
    /// Liquidation calls executed.
    pub liquidations: u64,
    /// Value repaid by liquidators, at the oracle.
    pub debt_repaid: Value,
    /// Value of collateral seized (liquidators' and treasury's), at the oracle.
    pub collateral_seized: Value,
    /// Calls a liquidator skipped as unprofitable after slippage and gas.
    pub skipped_unprofitable: u64,
    /// Calls skipped because the liquidator lacked the debt asset.
    pub skipped_no_capital: u64,
    /// Calls skipped because the market lacked the collateral's cash to pay out.
    pub skipped_no_cash: u64,
    /// Debt written off as deficit, at the oracle when written off.
    pub shortfall: Value,
    /// The part of it the treasury's accrued claims covered.
    pub covered_by_treasury: Value,
    /// The part left to suppliers.
    pub protocol_deficit: Value,
    /// Borrowers below health factor 1 at the market's last block.
    pub liquidatable: u64,
    /// Atoms depositors withdrew, per reserve.
    pub withdrawn: Vec<i128>,
    /// Borrowers refused at genesis by a supply or borrow cap.
    pub refused_by_caps: u64,
    /// Atoms of deposits by other protocols a supply cap refused, per reserve.
    pub deposits_refused: Vec<i128>,
    /// Deficit the reserve fund covered, at the oracle when covered.
    pub covered_by_fund: Value,
}

/// A running lending market.
#[derive(Debug, Clone)]
pub struct Lending {
    /// Parameters.
    pub spec: LendingSpec,
    /// The market's contract: cash and posted collateral.
    pub holder: HolderId,
    /// The treasury's wallet.
    pub treasury: HolderId,
    /// Borrowers' wallets (what they borrowed).
    pub wallets: HolderId,
    /// Reserves.
    pub reserves: Vec<Reserve>,
    /// Borrowers × reserves, scaled collateral.
    coll_scaled: Vec<i128>,
    /// Borrowers × reserves, scaled debt.
    debt_scaled: Vec<i128>,
    /// Borrowers × reserves, atoms of debt repaid by liquidators.
    repaid: Vec<i128>,
    borrowers: usize,
    /// Per reserve, its running depositors (when it has a run).
    runs: Vec<Option<run::RunState>>,
    /// Where running depositors' withdrawals go, and the stream their decisions draw
    /// from (set when a reserve has a run).
    depositors: Option<(HolderId, rand_chacha::ChaCha12Rng)>,
    /// Deposits held by other protocols.
    accounts: Vec<Account>,
    /// The reserve fund's wallet, when it has one.
    pub fund: Option<HolderId>,
    /// Withdrawals paused by a breaker.
    pub withdrawals_paused: bool,
    /// Per borrower, its population's index (for its repay rule).
    population_of: Vec<usize>,
    /// The population being drawn at genesis.
    drawing: usize,
    /// Borrowers who closed their loans on the rate.
    pub closed_on_rate: u64,
    /// Reserves paused by a breaker (no liquidation, no withdrawal).
    pub paused: Vec<bool>,
    /// Running totals.
    pub stats: LendingStats,
}

/// A borrower found below health factor 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// Borrower index.
    pub borrower: usize,
    /// Health factor, ppm.
    pub health_factor_ppm: i128,
}

/// The liquidation a liquidator intends to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intent {
    /// Borrower.
    pub borrower: usize,
    /// Reserve whose debt is repaid.
    pub debt_reserve: usize,
    /// Reserve whose collateral is seized.
    pub collateral_reserve: usize,
    /// Amounts, as the contract would compute them now.
    pub outcome: aave::LiquidationOutcome,
}

impl Lending {
    /// An empty market: `holder`, `treasury` and `wallets` are already open.
    pub fn new(spec: LendingSpec, holder: HolderId, treasury: HolderId, wallets: HolderId) -> Self {
        let n = spec.reserves.len();
        let reserves = spec
            .reserves
            .iter()
            .map(|_| Reserve {
                liquidity_index: RAY,
                borrow_index: RAY,
                supply_scaled: 0,
                debt_scaled: 0,
                depositors_scaled: 0,
                treasury_scaled: 0,
                deficit: 0,
            })
            .collect();
        Self {
            spec,
            holder,
            treasury,
            wallets,
            reserves,
            coll_scaled: Vec::new(),
            debt_scaled: Vec::new(),
            repaid: Vec::new(),
            borrowers: 0,
            stats: LendingStats {
                withdrawn: vec![0; n],
                deposits_refused: vec![0; n],
                ..LendingStats::default()
            },
            runs: vec![None; n],
            depositors: None,
            accounts: Vec::new(),
            fund: None,
            withdrawals_paused: false,
            population_of: Vec::new(),
            drawing: 0,
            closed_on_rate: 0,
            paused: vec![false; n],
        }
    }

    /// Give running depositors a wallet and a random stream.
    pub fn with_depositors(mut self, wallet: HolderId, rng: rand_chacha::ChaCha12Rng) -> Self {
        self.depositors = Some((wallet, rng));
        self
    }

    /// True when some reserve's depositors may run.
    pub fn has_runs(&self) -> bool {
        self.spec.reserves.iter().any(|r| r.run.is_some())
    }

    fn r(&self) -> usize {
        self.spec.reserves.len()
    }

    /// Borrowers opened from now on belong to population `k` (genesis).
    pub fn begin_population(&mut self, k: usize) {
        self.drawing = k;
    }

    /// Number of borrowers.
    pub fn borrower_count(&self) -> usize {
        self.borrowers
    }

    /// Depositors supply every reserve's `supplied` at genesis.
    pub fn genesis_supply(&mut self, ledger: &mut Ledger) -> Result<(), WorldError> {
        for (i, r) in self.spec.reserves.iter().enumerate() {
            ledger.genesis(self.holder, Amount::new(r.asset, r.supplied))?;
            self.reserves[i].depositors_scaled += r.supplied;
            self.reserves[i].supply_scaled += r.supplied;
            if let Some(run) = &r.run {
                self.runs[i] = Some(run::RunState::new(r.supplied, run.holders));
            }
        }
        Ok(())
    }

    /// Supply room under reserve `i`'s cap, atoms (`i128::MAX` without a cap): Aave v3
    /// `ValidationLogic.validateSupply` checks `(aToken supply + accrued to treasury +
    /// amount) ≤ supplyCap`.
    pub fn supply_room(&self, i: usize) -> Result<i128, WorldError> {
        let Some(cap) = self.spec.reserves[i].supply_cap else {
            return Ok(i128::MAX);
        };
        let r = &self.reserves[i];
        let supplied = mul_div_wide(r.supply_scaled, r.liquidity_index, RAY, Rounding::Ceil)?;
        Ok((cap - supplied).max(0))
    }

    /// Borrow room under reserve `i`'s cap (`validateBorrow`: total debt + amount ≤
    /// borrowCap).
    fn borrow_room(&self, i: usize) -> Result<i128, WorldError> {
        let Some(cap) = self.spec.reserves[i].borrow_cap else {
            return Ok(i128::MAX);
        };
        Ok((cap - self.total_debt(i)?).max(0))
    }

    /// Open a borrower at genesis: collateral (atoms per reserve) posted to the market,
    /// debt (atoms per reserve) borrowed into the wallets. The market must hold the cash.
    /// A borrower whose collateral or debt does not fit under a cap is refused (counted,
    /// not opened); returns whether it was opened.
    pub fn genesis_borrower(
        &mut self,
        ledger: &mut Ledger,
        collateral: &[i128],
        debt: &[i128],
    ) -> Result<bool, WorldError> {
        let n = self.r();
        for i in 0..n {
            if collateral[i] > self.supply_room(i)? || debt[i] > self.borrow_room(i)? {
                self.stats.refused_by_caps += 1;
                return Ok(false);
            }
        }
        for i in 0..n {
            let asset = self.spec.reserves[i].asset;
            ledger.genesis(self.holder, Amount::new(asset, collateral[i]))?;
            self.reserves[i].supply_scaled += collateral[i];
            if debt[i] > 0 {
                ledger.transfer(self.holder, self.wallets, Amount::new(asset, debt[i]))?;
                self.reserves[i].debt_scaled += debt[i];
            }
        }
        self.coll_scaled.extend_from_slice(&collateral[..n]);
        self.debt_scaled.extend_from_slice(&debt[..n]);
        self.repaid.extend(std::iter::repeat_n(0, n));
        self.population_of.push(
            self.spec
                .borrowers
                .len()
                .saturating_sub(1)
                .min(self.drawing),
        );
        self.borrowers += 1;
        Ok(true)
    }

    /// Cash of reserve `i`: the contract's balance less other reserves' claims on the
    /// same asset (one asset is one reserve, so simply the balance).
    pub fn cash(&self, ledger: &Ledger, i: usize) -> i128 {
        ledger
            .balance(self.holder, self.spec.reserves[i].asset)
            .atoms()
    }

    /// Reserve `i`'s total debt, atoms (ceiled).
    pub fn total_debt(&self, i: usize) -> Result<i128, WorldError> {
        let r = &self.reserves[i];
        Ok(mul_div_wide(
            r.debt_scaled,
            r.borrow_index,
            RAY,
            Rounding::Ceil,
        )?)
    }

    /// Borrower `b`'s debt in reserve `i`, atoms (ceiled).
    pub fn debt_of(&self, b: usize, i: usize) -> Result<i128, WorldError> {
        let s = self.debt_scaled[b * self.r() + i];
        Ok(mul_div_wide(
            s,
            self.reserves[i].borrow_index,
            RAY,
            Rounding::Ceil,
        )?)
    }

    /// Borrower `b`'s collateral in reserve `i`, atoms (floored).
    pub fn collateral_of(&self, b: usize, i: usize) -> Result<i128, WorldError> {
        let s = self.coll_scaled[b * self.r() + i];
        Ok(mul_div_wide(
            s,
            self.reserves[i].liquidity_index,
            RAY,
            Rounding::Floor,
        )?)
    }

    /// Grow the indices for one block of `block_time_ms` at the current usage.
    pub fn accrue(&mut self, ledger: &Ledger, block_time_ms: u64) -> Result<(), WorldError> {
        let dt = i128::from(block_time_ms);
        for i in 0..self.r() {
            let debt = self.total_debt(i)?;
            if debt <= 0 {
                continue;
            }
            let cash = self.cash(ledger, i);
            let spec = &self.spec.reserves[i];
            let rate = spec.rate.borrow_rate(debt, cash)?;
            let growth = mul_div_wide(rate, dt, MS_PER_YEAR, Rounding::Ceil)?;
            let r = &mut self.reserves[i];
            let new_borrow_index = mul_div_wide(r.borrow_index, RAY + growth, RAY, Rounding::Ceil)?;
            let interest = mul_div_wide(
                r.debt_scaled,
                new_borrow_index - r.borrow_index,
                RAY,
                Rounding::Floor,
            )?;
            r.borrow_index = new_borrow_index;
            // Suppliers get interest less the reserve factor; the treasury's share is
            // minted to it as scaled supply.
            let to_treasury = mul_div_wide(
                interest,
                i128::from(spec.reserve_factor.atoms()),
                ONE_PPM,
                Rounding::Floor,
            )?;
            let supply_now =
                mul_div_wide(r.supply_scaled, r.liquidity_index, RAY, Rounding::Floor)?;
            if supply_now > 0 {
                let to_suppliers = interest - to_treasury;
                r.liquidity_index = mul_div_wide(
                    r.liquidity_index,
                    supply_now + to_suppliers,
                    supply_now,
                    Rounding::Floor,
                )?;
            }
            let t_scaled = mul_div_wide(to_treasury, RAY, r.liquidity_index, Rounding::Floor)?;
            r.treasury_scaled += t_scaled;
            r.supply_scaled += t_scaled;
        }
        Ok(())
    }

    /// `(Σ collateral × threshold, Σ collateral, Σ debt)` of a borrower at `prices`
    /// (one per reserve).
    pub fn account(&self, b: usize, prices: &[Price]) -> Result<(Value, Value, Value), WorldError> {
        let (mut weighted, mut coll, mut debt) = (Value::ZERO, Value::ZERO, Value::ZERO);
        for (i, spec) in self.spec.reserves.iter().enumerate() {
            let c = self.collateral_of(b, i)?;
            if c > 0 && spec.collateral {
                let v =
                    Amount::new(spec.asset, c).value(prices[i], spec.decimals, Rounding::Floor)?;
                coll = coll.checked_add(v)?;
                weighted = weighted.checked_add(v.mul_div(
                    i128::from(spec.liquidation_threshold.atoms()),
                    ONE_PPM,
                    Rounding::Floor,
                )?)?;
            }
            let d = self.debt_of(b, i)?;
            if d > 0 {
                debt = debt.checked_add(Amount::new(spec.asset, d).value(
                    prices[i],
                    spec.decimals,
                    Rounding::Ceil,
                )?)?;
            }
        }
        Ok((weighted, coll, debt))
    }

    /// Borrowers below health factor 1, lowest first (ties by index).
    pub fn candidates(&self, prices: &[Price]) -> Result<Vec<Candidate>, WorldError> {
        let mut out = Vec::new();
        for b in 0..self.borrowers {
            let (weighted, _, debt) = self.account(b, prices)?;
            if debt.0 > 0 && weighted < debt {
                out.push(Candidate {
                    borrower: b,
                    health_factor_ppm: aave::health_factor_ppm(weighted, debt)?,
                });
            }
        }
        out.sort_by_key(|c| (c.health_factor_ppm, c.borrower));
        Ok(out)
    }

    /// The call a liquidator would send for `c`: the largest debt against the largest
    /// collateral (by value), covering as much as allowed and widening to the whole
    /// reserve debt when a partial call would leave dust.
    pub fn intent(&self, c: Candidate, prices: &[Price]) -> Result<Option<Intent>, WorldError> {
        self.intent_sized(c, prices, i128::MAX)
    }

    /// As [`Lending::intent`], offering to cover at most `debt_to_cover` atoms.
    pub fn intent_sized(
        &self,
        c: Candidate,
        prices: &[Price],
        debt_to_cover: i128,
    ) -> Result<Option<Intent>, WorldError> {
        let b = c.borrower;
        let mut best_debt: Option<(usize, Value)> = None;
        let mut best_coll: Option<(usize, Value)> = None;
        let mut total_debt = Value::ZERO;
        for (i, spec) in self.spec.reserves.iter().enumerate() {
            let d = Amount::new(spec.asset, self.debt_of(b, i)?).value(
                prices[i],
                spec.decimals,
                Rounding::Ceil,
            )?;
            total_debt = total_debt.checked_add(d)?;
            if d.0 > 0 && best_debt.is_none_or(|(_, v)| d > v) {
                best_debt = Some((i, d));
            }
            let cv = Amount::new(spec.asset, self.collateral_of(b, i)?).value(
                prices[i],
                spec.decimals,
                Rounding::Floor,
            )?;
            let live = !self.paused[i];
            if live && spec.collateral && cv.0 > 0 && best_coll.is_none_or(|(_, v)| cv > v) {
                best_coll = Some((i, cv));
            }
        }
        let (Some((di, _)), Some((ci, _))) = (best_debt, best_coll) else {
            return Ok(None);
        };
        // `validateLiquidationCall`: neither reserve may be paused.
        if self.paused[di] {
            return Ok(None);
        }
        let (ds, cs) = (&self.spec.reserves[di], &self.spec.reserves[ci]);
        let mut call = aave::LiquidationCall {
            debt: aave::ReserveBalance {
                atoms: self.debt_of(b, di)?,
                price: prices[di],
                decimals: ds.decimals,
            },
            collateral: aave::ReserveBalance {
                atoms: self.collateral_of(b, ci)?,
                price: prices[ci],
                decimals: cs.decimals,
            },
            total_debt,
            health_factor_ppm: c.health_factor_ppm,
            debt_to_cover,
            liquidation_bonus: cs.liquidation_bonus,
            protocol_fee: self.spec.liquidation_protocol_fee,
            close_factor: self.spec.close_factor,
        };
        let Some(outcome) = valid_call(&mut call)? else {
            return Ok(None);
        };
        if outcome.debt_repaid <= 0 {
            return Ok(None);
        }
        Ok(Some(Intent {
            borrower: b,
            debt_reserve: di,
            collateral_reserve: ci,
            outcome,
        }))
    }

    /// Execute `it` for `liquidator`: it pays the debt asset to the market and receives
    /// the collateral; the treasury gets its fee. Writes off the borrower's remaining
    /// debt as deficit when no collateral is left. Returns the deficit written off.
    pub fn execute(
        &mut self,
        ledger: &mut Ledger,
        liquidator: HolderId,
        it: &Intent,
        prices: &[Price],
    ) -> Result<Value, WorldError> {
        let n = self.r();
        let (di, ci, b) = (it.debt_reserve, it.collateral_reserve, it.borrower);
        let (debt_asset, coll_asset) = (self.spec.reserves[di].asset, self.spec.reserves[ci].asset);
        let o = it.outcome;
        ledger.transfer(
            liquidator,
            self.holder,
            Amount::new(debt_asset, o.debt_repaid),
        )?;
        ledger.transfer(
            self.holder,
            liquidator,
            Amount::new(coll_asset, o.collateral_to_liquidator),
        )?;
        ledger.transfer(
            self.holder,
            self.treasury,
            Amount::new(coll_asset, o.protocol_fee),
        )?;
        // Books: scaled amounts removed, rounded so the borrower never keeps more
        // collateral or owes less than the atoms moved.
        let rd = &mut self.reserves[di];
        let debt_scaled = mul_div_wide(o.debt_repaid, RAY, rd.borrow_index, Rounding::Floor)?;
        let slot = b * n + di;
        self.repaid[slot] += o.debt_repaid;
        let debt_scaled = debt_scaled.min(self.debt_scaled[slot]);
        self.debt_scaled[slot] -= debt_scaled;
        rd.debt_scaled -= debt_scaled;
        let rc = &mut self.reserves[ci];
        let seized = o.collateral_to_liquidator + o.protocol_fee;
        let coll_scaled = mul_div_wide(seized, RAY, rc.liquidity_index, Rounding::Ceil)?;
        let slot = b * n + ci;
        let coll_scaled = coll_scaled.min(self.coll_scaled[slot]);
        self.coll_scaled[slot] -= coll_scaled;
        rc.supply_scaled -= coll_scaled;
        let (ds, cs) = (&self.spec.reserves[di], &self.spec.reserves[ci]);
        self.stats.liquidations += 1;
        self.stats.debt_repaid =
            self.stats
                .debt_repaid
                .checked_add(Amount::new(debt_asset, o.debt_repaid).value(
                    prices[di],
                    ds.decimals,
                    Rounding::Floor,
                )?)?;
        self.stats.collateral_seized =
            self.stats
                .collateral_seized
                .checked_add(Amount::new(coll_asset, seized).value(
                    prices[ci],
                    cs.decimals,
                    Rounding::Floor,
                )?)?;
        self.write_off_if_empty(b, prices)
    }

    /// The reserve fund pays reserve `i`'s deficit with `atoms` of its asset (already in
    /// the fund's wallet): the cash goes to the market and the deficit shrinks (v3.3's
    /// `eliminateReserveDeficit`). Returns the atoms paid.
    pub fn cover_deficit(
        &mut self,
        ledger: &mut Ledger,
        i: usize,
        atoms: i128,
        price: Price,
    ) -> Result<i128, WorldError> {
        let Some(fund) = self.fund else {
            return Ok(0);
        };
        let spec = &self.spec.reserves[i];
        let pay = atoms
            .min(self.reserves[i].deficit)
            .min(ledger.balance(fund, spec.asset).atoms());
        if pay <= 0 {
            return Ok(0);
        }
        ledger.transfer(fund, self.holder, Amount::new(spec.asset, pay))?;
        self.reserves[i].deficit -= pay;
        let v = Amount::new(spec.asset, pay).value(price, spec.decimals, Rounding::Floor)?;
        self.stats.covered_by_fund = self.stats.covered_by_fund.checked_add(v)?;
        self.stats.protocol_deficit = self.stats.protocol_deficit.checked_sub(v)?.max(Value::ZERO);
        Ok(pay)
    }

    /// v3.3: a borrower with no collateral left has all its debt burned as deficit.
    fn write_off_if_empty(&mut self, b: usize, prices: &[Price]) -> Result<Value, WorldError> {
        let n = self.r();
        let has_collateral =
            (0..n).any(|i| self.spec.reserves[i].collateral && self.coll_scaled[b * n + i] > 0);
        if has_collateral {
            return Ok(Value::ZERO);
        }
        let mut total = Value::ZERO;
        for (i, &price) in prices.iter().enumerate().take(n) {
            let debt = self.debt_of(b, i)?;
            if debt == 0 {
                continue;
            }
            let slot = b * n + i;
            self.reserves[i].debt_scaled -= self.debt_scaled[slot];
            self.debt_scaled[slot] = 0;
            let spec = &self.spec.reserves[i];
            let v = Amount::new(spec.asset, debt).value(price, spec.decimals, Rounding::Ceil)?;
            total = total.checked_add(v)?;
            // The treasury's accrued claims cover what they can; the rest is left to
            // suppliers (their claims now exceed cash + debt).
            let r = &mut self.reserves[i];
            let treasury =
                mul_div_wide(r.treasury_scaled, r.liquidity_index, RAY, Rounding::Floor)?;
            let covered = treasury.min(debt);
            let burn = mul_div_wide(covered, RAY, r.liquidity_index, Rounding::Floor)?
                .min(r.treasury_scaled);
            r.treasury_scaled -= burn;
            r.supply_scaled -= burn;
            r.deficit += debt - covered;
            let cv =
                Amount::new(spec.asset, covered).value(price, spec.decimals, Rounding::Floor)?;
            self.stats.covered_by_treasury = self.stats.covered_by_treasury.checked_add(cv)?;
            self.stats.protocol_deficit = self
                .stats
                .protocol_deficit
                .checked_add(v.checked_sub(cv)?)?;
        }
        self.stats.shortfall = self.stats.shortfall.checked_add(total)?;
        Ok(total)
    }

    /// Under-water borrowers still open: `Σ max(0, debt − collateral)` at `prices`.
    pub fn latent_shortfall(&self, prices: &[Price]) -> Result<Value, WorldError> {
        let mut total = Value::ZERO;
        for b in 0..self.borrowers {
            let (_, coll, debt) = self.account(b, prices)?;
            if debt > coll {
                total = total.checked_add(debt.checked_sub(coll)?)?;
            }
        }
        Ok(total)
    }

    /// The books' identities, in full (`O(borrowers × reserves)`): per reserve, the
    /// scaled totals equal the sum over borrowers plus depositors and the treasury.
    pub fn check_books(&self) -> Result<(), String> {
        let n = self.r();
        for i in 0..n {
            let r = &self.reserves[i];
            let coll: i128 = (0..self.borrowers)
                .map(|b| self.coll_scaled[b * n + i])
                .sum();
            let debt: i128 = (0..self.borrowers)
                .map(|b| self.debt_scaled[b * n + i])
                .sum();
            let outside = self.accounts_scaled(i);
            if coll + r.depositors_scaled + r.treasury_scaled + outside != r.supply_scaled {
                return Err(format!(
                    "reserve {i}: scaled supply {} ≠ collateral {coll} + depositors {} + treasury {} + other protocols {outside}",
                    r.supply_scaled, r.depositors_scaled, r.treasury_scaled
                ));
            }
            if let Some(run) = &self.runs[i] {
                if run.total() != r.depositors_scaled {
                    return Err(format!(
                        "reserve {i}: holders' claims {} ≠ depositors' scaled supply {}",
                        run.total(),
                        r.depositors_scaled
                    ));
                }
            }
            if debt != r.debt_scaled {
                return Err(format!(
                    "reserve {i}: scaled debt {} ≠ Σ borrowers {debt}",
                    r.debt_scaled
                ));
            }
        }
        Ok(())
    }

    /// The reserve of `asset`, if the market lists it.
    pub fn reserve_of(&self, asset: AssetId) -> Option<usize> {
        self.spec.reserves.iter().position(|r| r.asset == asset)
    }

    /// A timeline row at the oracle `prices`.
    pub fn row(
        &self,
        tick: u64,
        time_ms: u64,
        prices: &[Price],
    ) -> Result<ProtocolRow, WorldError> {
        let mut debt = Value::ZERO;
        for (i, r) in self.spec.reserves.iter().enumerate() {
            let d = Amount::new(r.asset, self.total_debt(i)?);
            debt = debt.checked_add(d.value(prices[i], r.decimals, Rounding::Ceil)?)?;
        }
        let s = &self.stats;
        Ok(ProtocolRow {
            tick,
            time_ms,
            protocol: self.spec.name.clone(),
            exposure: debt.to_f64(),
            liquidations: s.liquidations,
            shortfall: s.shortfall.to_f64(),
            protocol_deficit: s.protocol_deficit.to_f64(),
            skipped: s.skipped_unprofitable + s.skipped_no_capital + s.skipped_no_cash,
            liquidatable: s.liquidatable,
        })
    }

    /// Per debt reserve, units repaid in all and on the borrower repaid most; borrowers
    /// liquidated at least once.
    fn detail(&self) -> LendingDetail {
        let n = self.r();
        let mut repaid = vec![0.0; n];
        let mut largest = vec![0.0f64; n];
        let mut liquidated = 0;
        for b in 0..self.borrowers {
            let row = &self.repaid[b * n..(b + 1) * n];
            if row.iter().any(|&a| a > 0) {
                liquidated += 1;
            }
            for (i, &a) in row.iter().enumerate() {
                let units = a as f64 / 10f64.powi(i32::from(self.spec.reserves[i].decimals));
                repaid[i] += units;
                largest[i] = largest[i].max(units);
            }
        }
        let units = |v: &[i128]| -> Vec<f64> {
            (0..n)
                .map(|i| v[i] as f64 / 10f64.powi(i32::from(self.spec.reserves[i].decimals)))
                .collect()
        };
        LendingDetail {
            withdrawn_units: units(&self.stats.withdrawn),
            refused_by_caps: self.stats.refused_by_caps,
            deposits_refused_units: units(&self.stats.deposits_refused),
            covered_by_fund: self.stats.covered_by_fund.to_f64(),
            closed_on_rate: self.closed_on_rate,
            debt_repaid: self.stats.debt_repaid.to_f64(),
            repaid_units: repaid,
            largest_borrower_repaid_units: largest,
            borrowers_liquidated: liquidated,
        }
    }

    /// The market's losses in the loss vocabulary, latent shortfall at `prices`.
    pub fn summary(&self, prices: &[Price]) -> Result<ProtocolSummary, WorldError> {
        let s = &self.stats;
        let latent = self.latent_shortfall(prices)?.to_f64();
        Ok(ProtocolSummary {
            name: self.spec.name.clone(),
            kind: "lending".into(),
            liquidations: s.liquidations,
            liquidation_volume: s.collateral_seized.to_f64(),
            skipped_unprofitable: s.skipped_unprofitable,
            skipped_no_capital: s.skipped_no_capital,
            skipped_no_cash: s.skipped_no_cash,
            liquidatable_at_end: s.liquidatable,
            shortfall: s.shortfall.to_f64(),
            borne_by: BorneBy {
                reserve: s
                    .covered_by_treasury
                    .checked_add(s.covered_by_fund)?
                    .to_f64(),
                adl_haircut: 0.0,
                socialized_loss: 0.0,
                protocol_deficit: s.protocol_deficit.to_f64(),
            },
            latent_shortfall: latent,
            loss: s.shortfall.to_f64() + latent,
            lending: Some(self.detail()),
            perp: None,
            cdp: None,
            issuer: None,
            options: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(dollars: i128) -> aave::ReserveBalance {
        aave::ReserveBalance {
            atoms: dollars * 1_000_000,
            price: Price::from_atoms(100_000_000),
            decimals: 6,
        }
    }

    fn eth_worth(dollars: i128) -> aave::ReserveBalance {
        // ETH at $2,000: `dollars` of it.
        aave::ReserveBalance {
            atoms: dollars * 10i128.pow(18) / 2_000,
            price: Price::from_atoms(2_000 * 100_000_000),
            decimals: 18,
        }
    }

    fn call(debt: i128, coll: i128, hf_ppm: i128, cover: i128) -> aave::LiquidationCall {
        aave::LiquidationCall {
            debt: usd(debt),
            collateral: eth_worth(coll),
            total_debt: Value::from_dollars(debt).unwrap(),
            health_factor_ppm: hf_ppm,
            debt_to_cover: cover,
            liquidation_bonus: Ppm::from_atoms(1_050_000),
            protocol_fee: Ppm::ZERO,
            close_factor: aave::CloseFactor::AaveV33,
        }
    }

    #[test]
    fn a_call_that_would_leave_dust_takes_the_allowed_maximum_when_that_clears_the_debt() {
        // $1,800 of debt against $2,000 of ETH (small: close factor 100%). Covering $900
        // would leave $900 of debt: v3.3 reverts; covering all is accepted.
        let mut c = call(1_800, 2_000, 920_000, 900_000_000);
        assert!(aave::liquidation_call(&c).unwrap().leaves_dust);
        let o = valid_call(&mut c).unwrap().unwrap();
        assert_eq!(o.debt_repaid, 1_800_000_000);
        assert!(!o.leaves_dust);
    }

    #[test]
    fn past_the_close_factor_a_call_shrinks_to_leave_a_thousand_dollars_never_widens() {
        // HF 0.97, $10,000 of debt, $6,000 of ETH: half the debt ($5,000) would seize
        // $5,250 and leave $750 of ETH, and the close factor forbids covering more. The
        // largest accepted call leaves exactly $1,000 of ETH: $5,000 / 1.05 repaid.
        let mut c = call(10_000, 6_000, 970_000, i128::MAX);
        let o = valid_call(&mut c).unwrap().unwrap();
        assert!(
            o.debt_repaid <= 5_000_000_000,
            "never past the close factor"
        );
        assert!(!o.leaves_dust);
        let left = eth_worth(6_000).atoms - o.collateral_to_liquidator - o.protocol_fee;
        let left_dollars = left * 2_000 / 10i128.pow(18);
        assert!((1_000..1_001).contains(&left_dollars), "{left_dollars}");
        assert!(o.debt_repaid > 4_761_000_000, "{}", o.debt_repaid);
    }
}
