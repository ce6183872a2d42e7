//! Small scenarios for behaviour and property tests.
#![allow(dead_code)]

use faultline_engine::Simulation;
use faultline_scenario::{build, parse};
use std::path::Path;

/// Knobs of a small one-market scenario.
#[derive(Debug, Clone)]
pub struct Small {
    pub blocks: u64,
    pub insurance_fund: f64,
    pub deficit: String,
    pub oracle_source: String,
    pub oracle_delay: u32,
    pub staged: String,
    pub level_step: f64,
    pub depth_1pct: f64,
    pub depth_5pct: f64,
    pub volatility: f64,
    pub gap: f64,
    pub count: u32,
    pub long_probability: f64,
    pub isolated_probability: f64,
    pub max_leverage: f64,
    pub accounts: String,
    pub seed: u64,
}

impl Default for Small {
    fn default() -> Self {
        Self {
            blocks: 30,
            insurance_fund: 50_000.0,
            deficit: r#"{ policy = "adl", ranking = "bitmex" }"#.into(),
            oracle_source: "book_mid".into(),
            oracle_delay: 0,
            staged: String::new(),
            level_step: 0.002,
            depth_1pct: 200_000.0,
            depth_5pct: 1_000_000.0,
            volatility: 0.5,
            gap: -0.3,
            count: 60,
            long_probability: 0.7,
            isolated_probability: 0.3,
            max_leverage: 20.0,
            accounts: String::new(),
            seed: 7,
        }
    }
}

impl Small {
    pub fn toml(&self) -> String {
        format!(
            r#"schema_version = 1
name = "small"
seed = {seed}
blocks = {blocks}
block_time_ms = 1000

[venue]
insurance_fund = {insurance_fund:?}
liquidity_provider_capital = 100000000.0
deficit = {deficit}

[oracle]
delay_blocks = {oracle_delay}
source = "{oracle_source}"

[[market]]
symbol = "X-PERP"
taker_fee = 0.0005

[market.margin]
tiers = [{{ notional_floor = 0.0, max_leverage = 50.0 }}, {{ notional_floor = 1000000.0, max_leverage = 20.0 }}]

[market.liquidation]
fee = 0.005
liquidator_share = 0.5
{staged}

[market.book]
half_spread = 0.0005
level_step = {level_step:?}
refill_per_block = 0.05
depth = [{{ offset = 0.01, quote = {depth_1pct:?} }}, {{ offset = 0.05, quote = {depth_5pct:?} }}]

[market.reference]
model = "gbm"
initial_price = 100.0
volatility_annual = {volatility:?}
gaps = [{{ block = 5, fraction = {gap:?} }}]

[[population]]
market = "X-PERP"
count = {count}
long_probability = {long_probability:?}
isolated_probability = {isolated_probability:?}
notional = {{ distribution = "log_normal", median = 10000.0, sigma = 1.0 }}
leverage = {{ distribution = "uniform", min = 2.0, max = {max_leverage:?} }}
entry_offset = {{ distribution = "normal", mean = 0.0, sd = 0.002 }}
{accounts}
"#,
            seed = self.seed,
            blocks = self.blocks,
            insurance_fund = self.insurance_fund,
            deficit = self.deficit,
            oracle_delay = self.oracle_delay,
            oracle_source = self.oracle_source,
            staged = self.staged,
            level_step = self.level_step,
            depth_1pct = self.depth_1pct,
            depth_5pct = self.depth_5pct,
            volatility = self.volatility,
            gap = self.gap,
            count = self.count,
            long_probability = self.long_probability,
            isolated_probability = self.isolated_probability,
            max_leverage = self.max_leverage,
            accounts = self.accounts,
        )
    }

    /// Build and run to the end, asserting the engine never fails.
    pub fn run(&self) -> Simulation {
        run_text(&self.toml(), self.seed)
    }
}

/// Parse, build and run a scenario text to completion.
pub fn run_text(text: &str, seed: u64) -> Simulation {
    let s = parse(text, Path::new("test.toml"), Path::new("."))
        .unwrap_or_else(|r| panic!("invalid test scenario:\n{r}\n{text}"));
    let mut sim = build(&s, seed).expect("build").sim;
    while !sim.is_done() {
        sim.step()
            .unwrap_or_else(|e| panic!("engine failed at block {}: {e}", sim.block().0 + 1));
        assert_eq!(
            sim.venue().conservation_error(),
            0,
            "conservation after block {}",
            sim.block().0
        );
    }
    sim
}

/// The 1-based line of the first line of `text` containing `needle`.
pub fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle} not in text"))
}

/// Run a world file's text (resolved against `path`) with full checks every tick; the
/// world and its summary.
pub fn run_world(
    text: &str,
    path: &Path,
) -> (faultline_world::World, faultline_world::WorldSummary) {
    let w =
        faultline_scenario::world_file::parse_world(text, path).unwrap_or_else(|r| panic!("{r}"));
    let mut world = faultline_world::World::new(w.spec, w.file.seed)
        .unwrap()
        .with_full_checks();
    world.run().unwrap();
    let s = world.summary(None).unwrap();
    (world, s)
}
