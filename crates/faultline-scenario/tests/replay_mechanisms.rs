//! The mechanisms the replays added, one test each, each built so the mechanism must
//! move the outcome: English auctions and keeper strategies, `lump`, `vow.wait`, the
//! algorithmic swap, scheduled dumps, a debt-asset oracle spike with a fixed close
//! factor, and borrowers read from a file. Every run also passes the per-block checks
//! (token conservation and both protocols' identities), or `go` fails.

use faultline_scenario::system_file::parse_system;
use faultline_system::config::{
    AlgorithmicConfig, CurveConfig, DumpConfig, KeeperConfig, KeeperStrategy, PriceSpike,
};
use faultline_system::system::Isolation;
use faultline_system::{run, SystemConfig};
use std::path::Path;

const DEMO: &str = include_str!("../../../scenarios/systems/stablecoin-contagion.toml");

fn go(c: &SystemConfig) -> faultline_system::Run {
    let r = run(c, 7, Isolation::default()).unwrap();
    assert_eq!(r.summary.error, None);
    assert_eq!(r.summary.conservation_error_atoms, 0);
    r
}

/// The bundled CDP alone, with English auctions and no incentive (Liquidations 1.2).
fn english(keepers: Vec<KeeperConfig>) -> SystemConfig {
    let mut c = parse_system(DEMO, Path::new("d.toml")).unwrap();
    c.lending = None;
    c.vault = None;
    c.perp = None;
    c.breaker.clear();
    c.gas.spikes.clear();
    let cdp = c.cdp.as_mut().unwrap();
    cdp.holder_run.base = 0.0;
    cdp.auction.curve = CurveConfig::English {
        ttl_s: 600,
        tau_s: 21_600,
        beg: 0.03,
    };
    cdp.auction.tip = 0.0;
    cdp.auction.chip = 0.0;
    cdp.keeper = keepers;
    c
}

fn keeper(strategy: KeeperStrategy, discount: f64) -> KeeperConfig {
    KeeperConfig {
        capital_fusd: 20_000_000.0,
        max_gas_gwei: 1_000.0,
        min_discount: discount,
        strategy,
    }
}

#[test]
fn a_lowball_keeper_alone_wins_for_nothing_and_a_rival_restores_the_price() {
    let alone = go(&english(vec![keeper(KeeperStrategy::Lowball, 0.0)]));
    let a = alone.summary.cdp.as_ref().unwrap();
    assert!(a.takes > 0);
    assert_eq!(a.zero_bid_auctions, a.takes, "{a:?}");
    assert!(a.price_to_market < 0.01);
    let mut rich = keeper(KeeperStrategy::Model, 0.05);
    rich.capital_fusd = 60_000_000.0;
    let contested = go(&english(vec![keeper(KeeperStrategy::Lowball, 0.0), rich]));
    let b = contested.summary.cdp.as_ref().unwrap();
    // The rival outbids the lowball keeper until its own capital is tied up or spent
    // (it recycles through the pools), so some auctions still go for nothing.
    assert!(b.zero_bid_auctions * 3 < b.takes, "{b:?}");
    assert!(b.price_to_market > 0.6, "{b:?}");
    assert!(contested.summary.losses.cdp < alone.summary.losses.cdp);
}

#[test]
fn lump_splits_large_vaults_into_several_auctions() {
    let mut whole = english(vec![keeper(KeeperStrategy::Model, 0.05)]);
    whole.cdp.as_mut().unwrap().lump = 0.0;
    let mut lumped = whole.clone();
    lumped.cdp.as_mut().unwrap().lump = 20.0;
    let (w, l) = (go(&whole), go(&lumped));
    let (kw, kl) = (
        w.summary.cdp.as_ref().unwrap().kicks,
        l.summary.cdp.as_ref().unwrap().kicks,
    );
    assert!(
        kl > kw,
        "{kl} auctions with 20-ETH lots vs {kw} whole vaults"
    );
}

#[test]
fn bad_debt_waits_in_the_queue_before_a_debt_auction() {
    let mut c = english(vec![keeper(KeeperStrategy::Lowball, 0.0)]);
    c.cdp
        .as_mut()
        .unwrap()
        .debt_auction
        .as_mut()
        .unwrap()
        .wait_s = 0;
    let now = go(&c);
    assert!(now.summary.cdp.as_ref().unwrap().debt_auctions > 0);
    c.cdp
        .as_mut()
        .unwrap()
        .debt_auction
        .as_mut()
        .unwrap()
        .wait_s = 10 * 86_400;
    let later = go(&c);
    assert_eq!(later.summary.cdp.as_ref().unwrap().debt_auctions, 0);
    assert!(later.summary.losses.cdp > now.summary.losses.cdp);
}

/// An algorithmic stablecoin: all FUSD is float, redeemable for new MKR.
fn algorithmic(redeem_per_block: f64) -> SystemConfig {
    let mut c = english(vec![keeper(KeeperStrategy::Model, 0.05)]);
    c.eth.gaps.clear();
    c.blocks = 300;
    let cdp = c.cdp.as_mut().unwrap();
    cdp.algorithmic = Some(AlgorithmicConfig {
        float: 1e12,
        redeem_per_block,
        spread: 0.005,
        arbitrage_usdc: 50_000_000.0,
        halt_block: None,
    });
    cdp.repay_arbitrage_per_block = 0.0;
    cdp.dumps = vec![DumpConfig {
        block: 10,
        fusd: 30_000_000.0,
    }];
    c
}

#[test]
fn a_dump_breaks_the_peg_and_redemptions_mint_the_governance_token_to_mend_it() {
    let without = go(&algorithmic(0.0));
    let with = go(&algorithmic(1_000_000.0));
    let (w, r) = (&without.summary, &with.summary);
    // The dump moves the price at its block.
    assert!(
        without.records[9].fusd_price < 0.99,
        "{}",
        without.records[9].fusd_price
    );
    assert!(r.cdp.as_ref().unwrap().redeemed > 1_000_000.0);
    assert!(r.mkr_minted > 0.0 && w.mkr_minted.abs() < 1e-12);
    assert!(r.mkr_min_ratio < 1.0, "selling new MKR lowers its price");
    let last = |x: &faultline_system::Run| x.records.last().unwrap().fusd_price;
    assert!(
        last(&with) > last(&without),
        "{} vs {}",
        last(&with),
        last(&without)
    );
}

/// The bundled lending market alone, ETH borrowers only, DAI-like debt.
fn debt_spike(spike: Option<f64>) -> SystemConfig {
    let mut c = parse_system(DEMO, Path::new("d.toml")).unwrap();
    c.cdp = None;
    c.vault = None;
    c.perp = None;
    c.breaker.clear();
    c.eth.gaps.clear();
    c.eth.volatility_annual = 0.0;
    c.blocks = 200;
    let l = c.lending.as_mut().unwrap();
    l.borrowers
        .retain(|b| b.collateral == faultline_system::config::Asset::Eth);
    l.borrowers[0].hf_min = 1.05;
    l.borrowers[0].hf_max = 1.25;
    l.reserve_fund.fusd = 0.0;
    l.close_factor = Some(0.5);
    l.debt_oracle = spike
        .map(|price| {
            vec![PriceSpike {
                start: 50,
                end: 80,
                price,
            }]
        })
        .unwrap_or_default();
    c
}

#[test]
fn a_spike_in_the_borrowed_assets_oracle_liquidates_borrowers_whose_holdings_did_not_move() {
    let calm = go(&debt_spike(None));
    assert_eq!(calm.summary.lending.as_ref().unwrap().liquidations, 0);
    let spiked = go(&debt_spike(Some(1.3)));
    let t = spiked.summary.lending.as_ref().unwrap();
    assert!(t.liquidations > 0 && t.borrowers_liquidated > 0);
    let liquidations_at =
        |b: u64| spiked.records[usize::try_from(b - 1).unwrap()].lending_liquidations;
    assert_eq!(liquidations_at(49), 0, "nothing before the spike");
    assert_eq!(
        liquidations_at(200),
        liquidations_at(81),
        "nothing after it"
    );
}

#[test]
fn a_fixed_close_factor_repays_at_most_that_share_per_liquidation() {
    let mut c = debt_spike(Some(1.3));
    // A deep ETH market, so that selling seized collateral never makes a liquidation
    // unprofitable and only the close factor limits what is repaid.
    c.eth_pool.eth = 5_000_000.0;
    c.lending.as_mut().unwrap().liquidator_usdc_per_block = 1e10;
    c.lending.as_mut().unwrap().debt_oracle = vec![PriceSpike {
        start: 50,
        end: 50,
        price: 1.3,
    }];
    let half = go(&c);
    c.lending.as_mut().unwrap().close_factor = Some(1.0);
    let full = go(&c);
    let repaid = |r: &faultline_system::Run| r.summary.lending.as_ref().unwrap().repaid;
    assert!(repaid(&half) > 0.0);
    assert!(
        repaid(&full) > 1.5 * repaid(&half),
        "{} vs {}",
        repaid(&full),
        repaid(&half)
    );
}

#[test]
fn borrowers_are_read_from_a_file_of_debts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("debts.csv"),
        "who,debt\na,1000000\nb,250000\nc,50000\n",
    )
    .unwrap();
    let text = DEMO.replace(
        "count = 1500\ntotal_collateral = 40000.0",
        "debts_file = { file = \"debts.csv\", column = \"debt\" }",
    );
    assert_ne!(text, DEMO);
    let c = parse_system(&text, &dir.path().join("s.toml")).unwrap_or_else(|r| panic!("{r}"));
    let b = &c.lending.as_ref().unwrap().borrowers[0];
    assert_eq!(b.debts.len(), 3);
    assert!((b.debts.iter().sum::<f64>() - 1_300_000.0).abs() < 1e-6);
    let bad = DEMO.replace(
        "count = 1500\ntotal_collateral = 40000.0",
        "debts_file = { file = \"debts.csv\", column = \"amount\" }",
    );
    let err = parse_system(&bad, &dir.path().join("s.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("debts_file") && err.contains("no column `amount`"),
        "{err}"
    );
}
