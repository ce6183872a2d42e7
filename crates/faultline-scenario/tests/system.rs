//! Several protocols in one pipeline: conservation across protocols, determinism, the
//! contagion path, and one test per mechanism, each built so the mechanism must move the
//! outcome.

use faultline_scenario::system_file::parse_system;
use faultline_system::config::{
    Asset, BreakerAction, BreakerConfig, BreakerSignal, FusdOracle, GasSpike, VaultConfig,
    VaultKind,
};
use faultline_system::contagion::dynamic_contagion;
use faultline_system::system::Isolation;
use faultline_system::{run, Protocol, SysEventKind, SystemConfig};
use std::path::Path;

const DEMO: &str = include_str!("../../../scenarios/systems/stablecoin-contagion.toml");

/// The bundled system without its perp venue (tested on its own below).
fn demo() -> SystemConfig {
    let mut c = demo_with_perp();
    c.perp = None;
    c
}

fn demo_with_perp() -> SystemConfig {
    parse_system(DEMO, Path::new("stablecoin-contagion.toml")).expect("bundled system is valid")
}

/// Run and insist it completed: a broken identity would stop it with an error.
fn go(c: &SystemConfig, seed: u64, iso: Isolation) -> faultline_system::Run {
    let r = run(c, seed, iso).unwrap();
    assert_eq!(r.summary.error, None);
    assert_eq!(r.summary.conservation_error_atoms, 0);
    r
}

fn kinds(r: &faultline_system::Run, p: Protocol) -> Vec<SysEventKind> {
    r.events
        .iter()
        .filter(|e| e.protocol == p)
        .map(|e| e.kind)
        .collect()
}

#[test]
fn every_token_is_conserved_across_protocols_on_varied_systems() {
    // The run checks, after every block, Σ balances = genesis + minted − burned for
    // each token, pools against their holders, Maker's `supply = Σ debt + vice` and
    // the lending market's `claims = cash + debt + deficit`; a failure stops the run
    // with an error, which this test would see.
    for (i, (gap, gwei, herd)) in [
        (-0.3, 300.0, 1.0),
        (-0.5, 30.0, 0.0),
        (-0.1, 800.0, 3.0),
        (0.2, 100.0, 1.0),
    ]
    .into_iter()
    .enumerate()
    {
        let mut c = demo();
        c.blocks = 700;
        c.eth.gaps[0].fraction = gap;
        c.gas.spikes[0].gwei = gwei;
        c.cdp.as_mut().unwrap().holder_run.herd = herd;
        let r = run(&c, 100 + i as u64, Isolation::default()).unwrap();
        assert_eq!(r.summary.error, None, "case {i}");
        assert_eq!(r.summary.conservation_error_atoms, 0);
        assert_eq!(r.records.len(), 700);
    }
}

#[test]
fn same_seed_same_run_and_another_seed_another() {
    let mut c = demo();
    c.blocks = 500;
    let a = go(&c, 7, Isolation::default());
    let b = go(&c, 7, Isolation::default());
    assert_eq!(a.records, b.records);
    assert_eq!(a.events, b.events);
    let d = go(&c, 8, Isolation::default());
    assert_ne!(a.records, d.records);
}

#[test]
fn lending_bad_debt_arrives_only_through_the_stablecoin_and_vanishes_when_the_link_is_cut() {
    let c = demo();
    let base = go(&c, 7, Isolation::default());
    // The chain: CDP distress → holders run → FUSD depegs → FUSD-backed loans go
    // underwater → the lending market records a deficit → its depositors run.
    let cdp = kinds(&base, Protocol::Cdp);
    let lending = kinds(&base, Protocol::Lending);
    assert!(cdp.contains(&SysEventKind::HolderRun) && cdp.contains(&SysEventKind::Depeg));
    assert!(
        lending.contains(&SysEventKind::LendingDeficit) && lending.contains(&SysEventKind::BankRun)
    );
    let first = |p, k| {
        base.events
            .iter()
            .find(|e| e.protocol == p && e.kind == k)
            .unwrap()
            .block
    };
    assert!(
        first(Protocol::Cdp, SysEventKind::HolderRun)
            <= first(Protocol::Lending, SysEventKind::LendingDeficit)
    );
    assert!(
        base.summary.losses.lending > 1_000_000.0,
        "{:?}",
        base.summary.losses
    );
    assert!(base.summary.fusd_min < 0.9);

    // Cut the link: the lending market prices FUSD at $1 (and holds no FUSD reserve).
    let mut cut = c.clone();
    cut.lending.as_mut().unwrap().fusd_oracle = FusdOracle::Fixed;
    let fixed = go(&cut, 7, Isolation::default());
    assert!(
        fixed.summary.losses.lending < 1.0,
        "{:?}",
        fixed.summary.losses
    );
    let isolated = go(
        &c,
        7,
        Isolation {
            cdp: true,
            ..Isolation::default()
        },
    );
    assert!(
        isolated.summary.losses.lending < 1.0,
        "{:?}",
        isolated.summary.losses
    );
    // The stablecoin still collapses on its own: the link, not the shock, was cut.
    assert!(isolated.summary.fusd_min < 0.9);
}

#[test]
fn the_dynamic_contagion_index_names_the_stablecoin() {
    let c = demo();
    let base = go(&c, 7, Isolation::default());
    let d = dynamic_contagion(&c, 7, &base, None).unwrap();
    let cdp = d.iter().find(|x| x.protocol == Protocol::Cdp).unwrap();
    assert!(cdp.contagion_index > 0.5, "{d:?}");
    assert!((cdp.loss_caused - (cdp.others_loss - cdp.others_loss_isolated)).abs() < 1e-6);
    for x in &d {
        assert!(x.contagion_index <= 1.0 + 1e-9);
    }
}

fn cdp_only() -> SystemConfig {
    let mut c = demo();
    c.lending = None;
    c.vault = None;
    c.breaker.clear();
    let cdp = c.cdp.as_mut().unwrap();
    cdp.holder_run.base = 0.0;
    c
}

#[test]
fn keepers_priced_out_by_gas_leave_auctions_unsold() {
    let mut calm = cdp_only();
    calm.gas.spikes.clear();
    let mut congested = cdp_only();
    congested.gas.spikes = vec![GasSpike {
        start: 1,
        end: 1500,
        gwei: 1_000.0,
    }];
    let a = go(&calm, 7, Isolation::default());
    let b = go(&congested, 7, Isolation::default());
    let (ta, tb) = (
        a.summary.cdp.as_ref().unwrap(),
        b.summary.cdp.as_ref().unwrap(),
    );
    assert!(ta.takes > 0 && ta.kicks > 0);
    assert_eq!(tb.takes, 0, "every keeper's gas limit is below 1,000 gwei");
    assert_eq!(tb.kicks, 0);
    assert!(tb.kicks_priced_out > 0);
    assert!(
        b.summary.losses.cdp > a.summary.losses.cdp,
        "{:?} vs {:?}",
        b.summary.losses,
        a.summary.losses
    );
}

#[test]
fn debt_in_auction_never_exceeds_the_hole() {
    let mut c = cdp_only();
    c.cdp.as_mut().unwrap().auction.hole = 5_000_000.0;
    let r = go(&c, 7, Isolation::default());
    assert!(r
        .records
        .iter()
        .all(|x| x.cdp_in_auction <= 5_000_000.0 + 1e-6));
    assert!(r.records.iter().any(|x| x.cdp_in_auction > 4_000_000.0));
    assert!(r.summary.cdp.as_ref().unwrap().kicks_limited > 0);
}

#[test]
fn bad_debt_beyond_the_surplus_is_sold_as_new_governance_tokens() {
    let mut c = cdp_only();
    c.eth.gaps[1].fraction = -0.5;
    let cdp = c.cdp.as_mut().unwrap();
    cdp.ratio_min = 1.5;
    cdp.ratio_max = 1.7;
    cdp.repay_arbitrage_per_block = 0.0;
    let r = go(&c, 7, Isolation::default());
    let t = r.summary.cdp.as_ref().unwrap();
    assert!(t.debt_auctions > 0, "{t:?}");
    assert!(r.summary.mkr_minted > 0.0);
    let first = r.records.first().unwrap().mkr_price;
    let last = r.records.last().unwrap().mkr_price;
    assert!(last < first, "dilution lowers MKR: {first} → {last}");
}

#[test]
fn vault_owners_buying_below_the_peg_hold_it() {
    let mut with = cdp_only();
    with.cdp.as_mut().unwrap().holder_run = faultline_system::config::RunConfig {
        holders: 100,
        base: 0.002,
        herd: 0.0,
        trigger: 0.999,
    };
    let mut without = with.clone();
    without.cdp.as_mut().unwrap().repay_arbitrage_per_block = 0.0;
    let a = go(&with, 7, Isolation::default());
    let b = go(&without, 7, Isolation::default());
    assert!(
        a.summary.fusd_min > b.summary.fusd_min + 0.001,
        "{} vs {}",
        a.summary.fusd_min,
        b.summary.fusd_min
    );
    assert!(a.summary.cdp.as_ref().unwrap().repaid_below_peg > 0.0);
}

fn vault_only(gap: f64, otm: f64) -> SystemConfig {
    let mut c = demo();
    c.cdp = None;
    c.lending = None;
    c.breaker.clear();
    c.blocks = 200;
    c.eth.volatility_annual = 0.0;
    c.eth.gaps = vec![faultline_system::config::GapConfig {
        block: 100,
        fraction: gap,
    }];
    c.vault = Some(VaultConfig {
        kind: VaultKind::Put,
        deposits: 10_000_000.0,
        otm,
        expiry_s: 7 * 86_400,
        implied_vol: 0.8,
        max_implied_vol: 0.8,
        collateral_ratio: 1.0,
        margin_shock: 0.0,
        lending_share: 0.0,
    });
    c
}

#[test]
fn an_options_vault_loses_more_than_in_proportion_through_a_gap() {
    // Marked loss of short puts: the delta-linear part plus gamma's square term.
    let loss = |gap: f64| {
        let r = go(&vault_only(gap, 0.0), 7, Isolation::default());
        let before = r.records[98].vault_equity;
        before - r.records[100].vault_equity
    };
    let (l10, l20, l30) = (loss(-0.10), loss(-0.20), loss(-0.30));
    assert!(l10 > 0.0);
    assert!(l20 > 2.0 * l10 * 1.05, "{l10} {l20}");
    assert!(l30 > 1.5 * l20 * 1.02, "{l20} {l30}");
}

#[test]
fn a_levered_vault_under_its_greeks_margin_buys_back_options() {
    let mut c = vault_only(-0.35, 0.05);
    let v = c.vault.as_mut().unwrap();
    v.collateral_ratio = 0.4;
    v.margin_shock = 0.2;
    let r = go(&c, 7, Isolation::default());
    assert!(kinds(&r, Protocol::Vault).contains(&SysEventKind::VaultDeRisk));
    assert!(r.summary.vault.as_ref().unwrap().bought_back > 0.0);
    // After buying back, equity covers the requirement again.
    let after = &r.records[101];
    assert!(
        after.vault_equity >= after.vault_requirement * 0.999,
        "{after:?}"
    );
    let mut lax = c.clone();
    lax.vault.as_mut().unwrap().margin_shock = 0.0;
    let l = go(&lax, 7, Isolation::default());
    assert!(l.summary.vault.as_ref().unwrap().bought_back.abs() < 1e-9);
}

fn lending_only() -> SystemConfig {
    let mut c = demo();
    c.cdp = None;
    c.vault = None;
    c.breaker.clear();
    let l = c.lending.as_mut().unwrap();
    l.borrowers.retain(|b| b.collateral == Asset::Eth);
    l.reserve_fund.fusd = 0.0;
    c
}

#[test]
fn a_utilization_crunch_makes_depositors_wait_and_rates_jump() {
    let mut c = lending_only();
    c.eth.gaps.clear();
    let l = c.lending.as_mut().unwrap();
    l.depositors.total_usdc = 45_000_000.0;
    l.borrowers[0].hf_min = 1.2;
    l.borrowers[0].hf_max = 1.3;
    l.depositors.run.trigger = 0.8;
    l.depositors.run.base = 0.05;
    let r = go(&c, 7, Isolation::default());
    let t = r.summary.lending.as_ref().unwrap();
    assert!(kinds(&r, Protocol::Lending).contains(&SysEventKind::UtilizationCrunch));
    assert!(t.refused_block_usd > 0.0);
    assert!(
        t.max_borrow_rate > 0.5,
        "slope2 reached: {}",
        t.max_borrow_rate
    );
    assert!(r.records.iter().any(|x| x.lending_cash < 1.0));
}

#[test]
fn caps_refuse_borrowers_and_deposits() {
    let mut c = lending_only();
    let u = &mut c.lending.as_mut().unwrap().usdc;
    u.borrow_cap = 5_000_000.0;
    u.supply_cap = 100_000_000.0;
    let s = faultline_system::System::new(&c, 7, Isolation::default(), None).unwrap();
    let l = s.lending.as_ref().unwrap();
    assert!(l.totals.borrowers_refused > 0);
    assert!(l.debt() <= faultline_system::ledger::Token::Usdc.atoms(5_000_000.0));
    assert!((l.totals.refused_by_supply_cap - 50_000_000.0).abs() < 1.0);
}

#[test]
fn a_cross_protocol_breaker_fixing_the_stablecoin_price_saves_the_lending_market() {
    let base = demo();
    let mut guarded = base.clone();
    guarded.breaker = vec![BreakerConfig {
        when: BreakerSignal::FusdBelow,
        threshold: 0.97,
        action: BreakerAction::LendingFixFusdPrice,
    }];
    let a = go(&base, 7, Isolation::default());
    let b = go(&guarded, 7, Isolation::default());
    assert!(kinds(&b, Protocol::Lending).contains(&SysEventKind::BreakerTripped));
    assert!(
        b.summary.losses.lending < 0.5 * a.summary.losses.lending,
        "{:?} vs {:?}",
        b.summary.losses,
        a.summary.losses
    );
}

fn with_perp(c: &SystemConfig, iso: Isolation) -> faultline_system::Run {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/systems/stablecoin-contagion.toml");
    let perp = faultline_scenario::system_file::load_perp(c, &path)
        .unwrap()
        .expect("a [perp] venue");
    let factory = faultline_scenario::system_file::perp_factory(&perp);
    let r = faultline_system::run_with(c, 7, iso, Some(&factory)).unwrap();
    assert_eq!(r.summary.error, None);
    r
}

#[test]
fn a_perp_fund_kept_in_the_stablecoin_is_worth_less_when_it_depegs() {
    let mut c = demo_with_perp();
    let p = c.perp.as_mut().unwrap();
    p.reserve_in_lending = 0.0;
    p.reserve_fusd = 6_000_000.0;
    p.refill_below = 1.0;
    // A third fall after the stablecoin has collapsed: the venue now needs its reserve.
    c.eth.gaps.push(faultline_system::config::GapConfig {
        block: 500,
        fraction: -0.2,
    });
    let base = with_perp(&c, Isolation::default());
    // The same reserve held as USDC: the depeg cannot reach it.
    let cut = with_perp(
        &c,
        Isolation {
            perp: true,
            ..Isolation::default()
        },
    );
    let (b, k) = (
        base.summary.perp.as_ref().unwrap(),
        cut.summary.perp.as_ref().unwrap(),
    );
    assert!(b.liquidations > 0);
    assert!(b.reserve_short > 0.0, "{b:?}");
    assert!(k.refilled > b.refilled, "{k:?} vs {b:?}");
    assert!(kinds(&base, Protocol::Perp).contains(&SysEventKind::PerpReserveShort));
    // Both runs balanced the venue's top-ups against the system's ledger every block.
    assert_eq!(base.summary.conservation_error_atoms, 0);
}
