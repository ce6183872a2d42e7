//! What a world records: timelines per asset, venue, oracle and protocol, the failure
//! sequence across protocols, and the summary in the loss vocabulary.

use serde::Serialize;

/// Kinds of events in the cross-protocol failure sequence (each recorded the first
/// time it happens to a given subject).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorldEventKind {
    /// An asset's reference moved at least 5% in one tick.
    PriceShock,
    /// A venue's mid is more than 5% from the outside market.
    VenueDislocated,
    /// A protocol's first liquidation.
    FirstLiquidation,
    /// A liquidation skipped because slippage and gas ate the bonus.
    LiquidationUnprofitable,
    /// A liquidation skipped because the liquidator lacked the debt asset or gas.
    LiquidatorOutOfCapital,
    /// A liquidation skipped because the market lacked cash of the collateral.
    NoCashToSeize,
    /// A protocol's first uncovered loss (shortfall written off).
    FirstShortfall,
    /// A market-priced asset (a stablecoin) moved more than 2% from its starting price.
    Depeg,
    /// A lending market's depositors began to run.
    BankRun,
    /// An algorithmic stablecoin was first redeemed for newly minted share.
    Redemption,
    /// An options vault under its greeks margin bought options back.
    VaultDeRisk,
    /// A CDP first sold newly minted governance token for its bad debt.
    DebtAuction,
    /// A circuit breaker tripped.
    BreakerTripped,
    /// A perp venue first refilled its insurance fund from its treasury.
    InsuranceRefilled,
    /// An options vault could not pay an expiry in full.
    VaultShortfall,
    /// A withdrawal could not be paid in full: the reserve's cash is gone.
    WithdrawalsRefused,
    /// A perp venue's own failure sequence (first liquidation, fund draw and depletion,
    /// first ADL...), as the engine names it.
    Perp(faultline_engine::EventKind),
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorldEvent {
    /// Tick.
    pub tick: u64,
    /// Time since the start, ms.
    pub time_ms: u64,
    /// Kind.
    pub kind: WorldEventKind,
    /// The asset, venue or protocol it concerns.
    pub subject: String,
    /// What happened.
    pub detail: String,
}

/// An asset's reference price at a tick.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetRow {
    /// Tick.
    pub tick: u64,
    /// Time since the start, ms.
    pub time_ms: u64,
    /// Asset.
    pub asset: String,
    /// Outside-market price, dollars.
    pub reference: f64,
}

/// A venue at a tick.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VenueRow {
    /// Tick.
    pub tick: u64,
    /// Time since the start, ms.
    pub time_ms: u64,
    /// Venue.
    pub venue: String,
    /// Mid, quote per base.
    pub mid: f64,
    /// Base reserve, units.
    pub base_reserve: f64,
    /// Quote reserve, units.
    pub quote_reserve: f64,
}

/// An oracle at a tick.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OracleRow {
    /// Tick.
    pub tick: u64,
    /// Time since the start, ms.
    pub time_ms: u64,
    /// Oracle.
    pub oracle: String,
    /// The asset it prices.
    pub asset: String,
    /// Published price, dollars.
    pub price: f64,
    /// Blocks of its chain since the last update.
    pub age_blocks: u64,
}

/// A protocol at a tick, in the loss vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtocolRow {
    /// Tick.
    pub tick: u64,
    /// Time since the start, ms.
    pub time_ms: u64,
    /// Protocol.
    pub protocol: String,
    /// Debt outstanding (lending, CDP), trader long open interest at the mark (perp) or
    /// stablecoin outstanding at $1 (issuer), dollars.
    pub exposure: f64,
    /// Liquidations so far.
    pub liquidations: u64,
    /// Shortfall written off so far, dollars.
    pub shortfall: f64,
    /// Of which not covered by a reserve, dollars.
    pub protocol_deficit: f64,
    /// Liquidations skipped so far (unprofitable, no capital, no cash).
    pub skipped: u64,
    /// Accounts liquidatable at the protocol's last block.
    pub liquidatable: u64,
}

/// Every timeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WorldRecords {
    /// assets.csv
    pub assets: Vec<AssetRow>,
    /// venues.csv
    pub venues: Vec<VenueRow>,
    /// oracles.csv
    pub oracles: Vec<OracleRow>,
    /// protocols.csv
    pub protocols: Vec<ProtocolRow>,
}

/// Who bore a protocol's shortfall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BorneBy {
    /// The protocol's insurance fund or reserve (a lending treasury's accrued claims).
    pub reserve: f64,
    /// Profit taken from winners by auto-deleveraging.
    pub adl_haircut: f64,
    /// Spread over all users.
    pub socialized_loss: f64,
    /// Left uncovered: the protocol's deficit (suppliers' or holders' loss).
    pub protocol_deficit: f64,
}

/// One protocol's losses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtocolSummary {
    /// Name.
    pub name: String,
    /// Kind (`lending`, `perp`).
    pub kind: String,
    /// Liquidations executed (perp: full and partial steps).
    pub liquidations: u64,
    /// What liquidations moved, dollars: collateral seized (lending), notional closed
    /// on the book (perp).
    pub liquidation_volume: f64,
    /// Liquidation attempts skipped as unprofitable (lending: slippage and gas ate the
    /// bonus; perp: gas above the liquidator's fee).
    pub skipped_unprofitable: u64,
    /// Attempts skipped for lack of the liquidator's capital or gas.
    pub skipped_no_capital: u64,
    /// Attempts skipped for lack of the market's cash.
    pub skipped_no_cash: u64,
    /// Accounts liquidatable at the protocol's last block that nobody liquidated
    /// (lending).
    pub liquidatable_at_end: u64,
    /// What closed positions' collateral did not cover, dollars.
    pub shortfall: f64,
    /// Who bore it.
    pub borne_by: BorneBy,
    /// Under-water positions still open at the end, dollars.
    pub latent_shortfall: f64,
    /// `shortfall + latent_shortfall`: the protocol's whole hole (the loss the Contagion
    /// Index attributes).
    pub loss: f64,
    /// Lending figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lending: Option<LendingDetail>,
    /// Perp figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perp: Option<PerpDetail>,
    /// CDP figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cdp: Option<CdpDetail>,
    /// Algorithmic issuer figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IssuerDetail>,
    /// Options vault figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<OptionsDetail>,
}

/// An options vault, dollars.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionsDetail {
    /// Epochs written.
    pub epochs: u64,
    /// Premium collected.
    pub premium: f64,
    /// Paid to buyers at expiry.
    pub paid_at_expiry: f64,
    /// Spent buying options back under margin.
    pub bought_back: f64,
    /// Largest marked liability.
    pub max_liability: f64,
    /// Lowest equity (negative: under water).
    pub min_equity: f64,
    /// Options outstanding at the end, units of the underlying.
    pub contracts_end: f64,
}

/// An algorithmic stablecoin's swap, in units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssuerDetail {
    /// Stablecoin burned for newly minted share.
    pub redeemed: f64,
    /// Share minted for it.
    pub share_minted: f64,
    /// Stablecoin minted for burned share.
    pub issued: f64,
    /// Share burned for it.
    pub share_burned: f64,
    /// Swaps executed.
    pub swaps: u64,
    /// Stablecoin in existence at the end.
    pub stable_supply_end: f64,
    /// The stablecoin's price at the end, dollars.
    pub stable_price_end: f64,
}

/// What only a CDP reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CdpDetail {
    /// Stability fees accrued to the surplus, dollars at par.
    pub fees: f64,
    /// Debt auctions kicked.
    pub debt_auctions: u64,
    /// Stablecoin they raised, units.
    pub debt_auction_raised: f64,
    /// Governance token they minted, units.
    pub debt_auction_minted: f64,
    /// Takes.
    pub takes: u64,
    /// Auction resets.
    pub redos: u64,
    /// Stablecoin raised by auctions, dollars at par.
    pub raised: f64,
    /// Keeper rewards minted, dollars at par.
    pub keeper_incentives: f64,
    /// English auctions won with a bid under one unit of stablecoin.
    pub zero_bid_auctions: u64,
    /// The collateral those gave away, dollars at the oracle.
    pub zero_bid_value: f64,
    /// Debt vault owners drew and sold above the peg, dollars at par.
    pub owners_drew: f64,
    /// Debt they repaid with stablecoin bought below it, dollars at par.
    pub owners_repaid: f64,
}

/// What only a lending market reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LendingDetail {
    /// Debt repaid by liquidators, dollars at the oracle prices of the liquidations.
    pub debt_repaid: f64,
    /// Units repaid of each reserve's asset, in reserve order.
    pub repaid_units: Vec<f64>,
    /// Per reserve, units repaid on the one borrower repaid most.
    pub largest_borrower_repaid_units: Vec<f64>,
    /// Borrowers liquidated at least once.
    pub borrowers_liquidated: u64,
    /// Units depositors withdrew from each reserve, in reserve order.
    pub withdrawn_units: Vec<f64>,
    /// Borrowers refused at genesis by a supply or borrow cap.
    pub refused_by_caps: u64,
    /// Units of other protocols' deposits a supply cap refused, per reserve.
    pub deposits_refused_units: Vec<f64>,
    /// Deficit the reserve fund covered, dollars at the oracle when covered.
    pub covered_by_fund: f64,
    /// Borrowers who closed their loans when the rate passed their level.
    pub closed_on_rate: u64,
}

/// What only a perp venue reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerpDetail {
    /// ADL fills.
    pub adl_fills: u64,
    /// Notional auto-deleveraged, dollars.
    pub adl_volume: f64,
    /// Insurance fund at the start, dollars.
    pub insurance_fund_start: f64,
    /// Insurance fund at the end, dollars.
    pub insurance_fund_end: f64,
    /// Base laid off on each bound market's hedge venue (units; + sold into it).
    pub hedged_base: Vec<f64>,
    /// Haircut value credited for non-quote collateral seized at liquidation, dollars.
    pub collateral_seized: f64,
    /// What selling the seized collateral fetched below that credit, dollars (part of
    /// the shortfall).
    pub conversion_loss: f64,
    /// The insurance fund's reserve in another asset: haircut value converted to pay
    /// losses, dollars; units sold, and what they fetched, dollars (zero without one).
    pub reserve_drawn: f64,
    /// See `reserve_drawn`.
    pub reserve_sold: f64,
    /// See `reserve_sold`.
    pub reserve_proceeds: f64,
    /// Reserve units left at the end.
    pub reserve_left: f64,
    /// Collateral units the treasury paid into the insurance fund (refills).
    pub refilled: f64,
    /// The clearing house's own counters (what a venue's run summary reports).
    #[serde(flatten)]
    pub mechanics: PerpMechanics,
}

/// A perp venue's own counters over the run, dollars unless named otherwise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerpMechanics {
    /// Liquidation steps that closed part of a position.
    pub partial_liquidations: u64,
    /// Losses past the bankruptcy price on the book.
    pub loss_past_bankruptcy: f64,
    /// What the insurance fund paid.
    pub insurance_paid: f64,
    /// Liquidation fees paid into the insurance fund.
    pub insurance_fees: f64,
    /// Liquidation fees paid to liquidators.
    pub liquidator_fees: f64,
    /// Taker fees.
    pub taker_fees: f64,
    /// Liquidation transactions that reverted (chain mode).
    pub reverted_liquidations: u64,
    /// Transactions dropped from the mempool.
    pub dropped_transactions: u64,
    /// Gas liquidators paid.
    pub liquidator_gas_cost: f64,
    /// Base front-run by searchers, units.
    pub frontrun_quantity: f64,
    /// Circuit-breaker trips.
    pub breaker_trips: u64,
    /// Blocks a breaker halted.
    pub halted_blocks: u64,
    /// Notional that wanted to trade during halts.
    pub volume_lost_to_halts: f64,
    /// Paid into the insurance fund by top-ups.
    pub insurance_topped_up: f64,
    /// Positions the backstop vault took over, and their notional.
    pub backstop_takeovers: u64,
    /// See `backstop_takeovers`.
    pub backstop_volume: f64,
    /// Withdrawn from the backstop vault by its depositors.
    pub vault_withdrawn: f64,
    /// Traders who closed on their own (stop-loss, de-risking, panic), and their notional.
    pub trader_exits: u64,
    /// See `trader_exits`.
    pub trader_exit_volume: f64,
    /// Openings refused by an open-interest cap.
    pub openings_refused_by_oi_cap: u64,
    /// Per market symbol: liquidation volume over the book depth it met.
    pub amplification: std::collections::BTreeMap<String, f64>,
    /// Traders' open interest (long side, at mark) at the opening block and at the end.
    pub open_interest_start: f64,
    /// See `open_interest_start`.
    pub open_interest_end: f64,
    /// Highest and lowest oracle price over its opening price, any market, any block.
    pub oracle_max_ratio: f64,
    /// See `oracle_max_ratio`.
    pub oracle_min_ratio: f64,
    /// Per competing liquidator.
    pub liquidators: Vec<PerpLiquidator>,
}

/// A perp venue's competing liquidator over the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerpLiquidator {
    /// Label.
    pub label: String,
    /// Liquidations it executed.
    pub liquidations: u64,
    /// Fees it earned, dollars.
    pub fees: f64,
    /// Gas it paid, dollars.
    pub gas_cost: f64,
    /// Its transactions that reverted.
    pub reverted: u64,
}

/// A liquidator's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentSummary {
    /// Name.
    pub name: String,
    /// Liquidations or trades.
    pub actions: u64,
    /// Gas paid, dollars.
    pub gas_paid: f64,
    /// Units of its asset a seller sold or a reserve bought (absent for other agents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traded_units: Option<f64>,
    /// Units of the venue's quote asset a reserve spent buying (absent for others).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spent_units: Option<f64>,
}

/// An asset's identity at the end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetSummary {
    /// Symbol.
    pub name: String,
    /// Reference at the start and at the end, dollars.
    pub reference_start: f64,
    /// At the end.
    pub reference_end: f64,
    /// Lowest reference.
    pub reference_low: f64,
    /// Units in existence at the start.
    pub supply_start: f64,
    /// Units in existence at the end (minted and burned by protocols in between).
    pub supply_end: f64,
    /// `Σ balances − expected`, atoms (0 in every completed run).
    pub conservation_error_atoms: i128,
}

/// A venue's path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VenueSummary {
    /// Name.
    pub name: String,
    /// Mid at the start.
    pub mid_start: f64,
    /// Lowest mid.
    pub mid_low: f64,
    /// Mid at the end.
    pub mid_end: f64,
}

/// One protocol's row of the dynamic Contagion Index (see `contagion`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContagionRow {
    /// Protocol.
    pub protocol: String,
    /// Its loss: shortfall plus latent shortfall, dollars.
    pub loss: f64,
    /// The other protocols' losses its forced sales cause, dollars.
    pub harm_caused: f64,
    /// Its loss caused by the others' forced sales, dollars.
    pub loss_received: f64,
    /// Its share of the harm all protocols cause.
    pub contagion_index: f64,
}

/// summary.json of a world run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorldSummary {
    /// World name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// Ticks run.
    pub ticks: u64,
    /// Tick length, ms.
    pub tick_ms: u64,
    /// True when every tick ran.
    pub completed: bool,
    /// Why the run stopped early.
    pub error: Option<String>,
    /// Σ shortfall over protocols, dollars.
    pub total_shortfall: f64,
    /// Σ latent shortfall over protocols, dollars.
    pub total_latent_shortfall: f64,
    /// Per protocol.
    pub protocols: Vec<ProtocolSummary>,
    /// Per asset.
    pub assets: Vec<AssetSummary>,
    /// Per venue.
    pub venues: Vec<VenueSummary>,
    /// Per liquidator and arbitrageur.
    pub agents: Vec<AgentSummary>,
    /// The dynamic Contagion Index, when the run computed it (`--contagion`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contagion: Option<Vec<ContagionRow>>,
}
