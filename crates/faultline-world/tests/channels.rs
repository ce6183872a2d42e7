//! Contagion through real channels in one world, each channel shown moving outcomes and
//! vanishing when cut; conservation per asset every tick on random worlds; determinism.

use faultline_engine::oracle::OracleParams;
use faultline_engine::process::{Gap, ProcessSpec, Stochastic};
use faultline_math::aave::{RateCurveRay, RAY};
use faultline_units::{Amount, AssetId, Ppm, Value};
use faultline_world::lending::{BorrowerPopulation, LendingSpec, ReserveSpec};
use faultline_world::pool::Curve;
use faultline_world::spec::KeeperStrategy;
use faultline_world::spec::*;
use faultline_world::{World, WorldSpec};
use proptest::prelude::*;

const USDC: AssetId = AssetId(0);
const WETH: AssetId = AssetId(1);
const WSTETH: AssetId = AssetId(2);
const E18: i128 = 1_000_000_000_000_000_000;
const E6: i128 = 1_000_000;

fn ppm(x: f64) -> Ppm {
    Ppm::from_fraction(x).unwrap()
}

fn oracle(name: &str, asset: AssetId, sources: Vec<OracleSource>, delay_blocks: u32) -> OracleSpec {
    OracleSpec {
        name: name.into(),
        asset,
        chain: Some(ChainId(0)),
        sources,
        misprice: Vec::new(),
        params: OracleParams {
            sources: Vec::new(),
            twap_blocks: 1,
            delay_blocks,
            heartbeat_blocks: None,
            deviation: None,
            latency_blocks: 0,
            max_staleness_blocks: None,
            max_twap_divergence: None,
            max_source_spread: None,
            guard_liquidations: false,
        },
    }
}

fn reserve(
    asset: AssetId,
    decimals: u8,
    oracle: u16,
    supplied: i128,
    collateral: bool,
) -> ReserveSpec {
    ReserveSpec {
        asset,
        decimals,
        oracle: OracleId(oracle),
        ltv: ppm(0.80),
        liquidation_threshold: ppm(0.83),
        liquidation_bonus: ppm(1.05),
        collateral,
        borrowable: !collateral,
        supplied,
        rate: RateCurveRay {
            base: 0,
            slope1: RAY / 25,
            slope2: RAY * 6 / 10,
            optimal_utilization: RAY * 9 / 10,
        },
        reserve_factor: ppm(0.10),
        run: None,
        supply_cap: None,
        borrow_cap: None,
    }
}

fn market(name: &str, hf: (f64, f64), count: u32) -> ProtocolSpec {
    ProtocolSpec::Lending(LendingSpec {
        name: name.into(),
        chain: ChainId(0),
        reserves: vec![
            reserve(USDC, 6, 0, 400_000_000 * E6, false),
            reserve(WETH, 18, 1, 0, true),
            reserve(WSTETH, 18, 2, 0, true),
        ],
        borrowers: vec![BorrowerPopulation {
            count,
            collateral: vec![(1, ppm(0.7)), (2, ppm(0.3))],
            debt: 0,
            collateral_value: (50_000.0, 2_000_000.0),
            health_factor: hf,
            debts: Vec::new(),
            repay: None,
        }],
        liquidation_protocol_fee: ppm(0.10),
        close_factor: faultline_math::aave::CloseFactor::AaveV33,
        reserve_fund: Vec::new(),
    })
}

/// Two lending markets with WETH, wstETH and USDC reserves over one WETH/USDC pool and
/// one wstETH/WETH stableswap; the ETH oracle reads the pool (or only the outside
/// market when `oracle_reads_pool` is false). WETH gaps −20% at tick 5.
fn two_markets(route_sales: bool, oracle_reads_pool: bool) -> WorldSpec {
    let eth_sources = if oracle_reads_pool {
        vec![OracleSource::Venue(VenueId(0))]
    } else {
        vec![OracleSource::Reference]
    };
    let routes = if route_sales {
        vec![
            (WETH, vec![VenueId(0)]),
            (WSTETH, vec![VenueId(1), VenueId(0)]),
        ]
    } else {
        Vec::new()
    };
    WorldSpec {
        name: "two markets, one pool".into(),
        tick_ms: 12_000,
        ticks: 40,
        assets: vec![
            AssetSpec {
                name: "USDC".into(),
                decimals: 6,
                price: PriceOrigin::Peg(1.0),
            },
            AssetSpec {
                name: "WETH".into(),
                decimals: 18,
                price: PriceOrigin::Process {
                    process: ProcessSpec::Stochastic(Stochastic {
                        initial: 3_000.0,
                        drift_annual: 0.0,
                        volatility_annual: 0.0,
                        student_t_dof: None,
                        jumps: None,
                        garch: None,
                        pins: Vec::new(),
                    }),
                    gaps: vec![Gap {
                        block: 5,
                        fraction: -0.20,
                    }],
                },
            },
            AssetSpec {
                name: "wstETH".into(),
                decimals: 18,
                price: PriceOrigin::Tracks {
                    asset: WETH,
                    ratio: 1.18,
                },
            },
        ],
        chains: vec![ChainSpec {
            gas_path_wei: Vec::new(),
            name: "ethereum".into(),
            block_time_ms: 12_000,
            gas_asset: WETH,
            gas_price_wei: 20_000_000_000,
            gas_spikes: Vec::new(),
        }],
        venues: vec![
            VenueSpec {
                name: "uni-weth-usdc".into(),
                chain: Some(ChainId(0)),
                base: WETH,
                quote: USDC,
                curve: Curve::ConstantProduct,
                fee_ppm: 3_000,
                base_reserve: 20_000 * E18,
                quote_reserve: 60_000_000 * E6,
            },
            VenueSpec {
                name: "curve-wsteth-weth".into(),
                chain: Some(ChainId(0)),
                base: WSTETH,
                quote: WETH,
                curve: Curve::StableSwap {
                    amplification: 50,
                    rate_e18: 1_180_000_000_000_000_000,
                },
                fee_ppm: 100,
                base_reserve: 20_000 * E18,
                quote_reserve: 23_600 * E18,
            },
        ],
        oracles: vec![
            oracle("usdc", USDC, vec![OracleSource::Reference], 0),
            oracle("eth", WETH, eth_sources, 0),
            oracle("wsteth", WSTETH, vec![OracleSource::Reference], 0),
        ],
        protocols: vec![
            market("fragile", (1.05, 1.20), 300),
            market("sturdy", (1.26, 1.45), 300),
        ],
        agents: vec![
            AgentSpec::Liquidator(LiquidatorSpec {
                name: "searchers".into(),
                protocols: vec![ProtocolId(0), ProtocolId(1)],
                capital: vec![
                    Amount::new(USDC, 300_000_000 * E6),
                    Amount::new(WETH, 100 * E18),
                ],
                routes,
                min_profit: Value::from_dollars(10).unwrap(),
                gas_per_liquidation: 400_000,
                max_per_block: 1_000,
                max_gas_wei: None,
                strategy: KeeperStrategy::Valuation,
                min_discount: ppm(0.0),
            }),
            AgentSpec::Arbitrageur(ArbitrageurSpec {
                name: "arb".into(),
                venue: VenueId(0),
                max_trade: Value::from_dollars(1_000_000).unwrap(),
                threshold: ppm(0.003),
            }),
        ],
        breakers: Vec::new(),
    }
}

fn run(spec: WorldSpec, seed: u64) -> World {
    let mut w = World::new(spec, seed).unwrap().with_full_checks();
    w.run().unwrap();
    w
}

fn summary(w: &World) -> faultline_world::WorldSummary {
    w.summary(None).unwrap()
}

#[test]
fn liquidation_sales_into_the_shared_pool_reach_the_other_market() {
    let with = run(two_markets(true, true), 7);
    let cut = run(two_markets(false, true), 7);
    let (ws, cs) = (summary(&with), summary(&cut));
    let (fragile, sturdy) = (&ws.protocols[0], &ws.protocols[1]);
    assert!(
        fragile.liquidations > 50,
        "the 20% gap liquidates the fragile market: {fragile:?}"
    );
    // The fragile market's collateral sales outrun the arbitrageur: the pool, and the
    // oracle reading it, fall well below the outside market (2,400).
    let oracle_low = |w: &World| {
        w.records()
            .oracles
            .iter()
            .filter(|o| o.oracle == "eth")
            .map(|o| o.price)
            .fold(f64::INFINITY, f64::min)
    };
    assert!(oracle_low(&with) < 2_200.0, "{}", oracle_low(&with));
    assert!(
        (oracle_low(&cut) - 2_400.0).abs() < 1e-6,
        "{}",
        oracle_low(&cut)
    );
    assert!(ws.venues[0].mid_low < cs.venues[0].mid_low * 0.95);
    // The sturdy market, which the gap alone never puts below HF 1, ends with
    // borrowers below 1 that no liquidator can sell out profitably into the drained pool.
    assert!(sturdy.liquidatable_at_end > 50, "{sturdy:?}");
    assert!(sturdy.skipped_unprofitable > 0);
    let sturdy_cut = &cs.protocols[1];
    assert_eq!(
        (
            sturdy_cut.liquidations,
            sturdy_cut.liquidatable_at_end,
            sturdy_cut.skipped_unprofitable
        ),
        (0, 0, 0),
        "a 20% gap alone never takes HF 1.26 below 1"
    );
}

#[test]
fn an_oracle_that_reads_only_the_outside_market_does_not_carry_the_pool_dip() {
    let via_pool = summary(&run(two_markets(true, true), 7));
    let outside = summary(&run(two_markets(true, false), 7));
    assert!(via_pool.protocols[1].liquidatable_at_end > 0);
    assert_eq!(
        outside.protocols[1].liquidatable_at_end, 0,
        "the sales still move the pool, but the oracle no longer sees it"
    );
    assert!(outside.venues[0].mid_low < outside.venues[0].mid_start * 0.8);
}

#[test]
fn the_same_seed_gives_the_same_world_and_another_seed_another() {
    let mut spec = two_markets(true, true);
    if let PriceOrigin::Process {
        process: ProcessSpec::Stochastic(s),
        ..
    } = &mut spec.assets[1].price
    {
        s.volatility_annual = 0.9;
    }
    let a = run(spec.clone(), 11);
    let b = run(spec.clone(), 11);
    let c = run(spec, 12);
    assert_eq!(a.records(), b.records());
    assert_eq!(a.events(), b.events());
    assert_eq!(summary(&a), summary(&b));
    assert_ne!(a.records().assets, c.records().assets);
}

#[test]
fn borrowing_more_than_was_supplied_is_refused_at_genesis_with_a_hint() {
    let mut spec = two_markets(true, true);
    if let ProtocolSpec::Lending(l) = &mut spec.protocols[0] {
        l.reserves[0].supplied = 1_000 * E6;
    }
    let e = World::new(spec, 1).unwrap_err().to_string();
    assert!(
        e.contains("fragile") && e.contains("USDC") && e.contains("supplied"),
        "{e}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Random worlds: pool depths, gap sizes, health factors, capital and routes drawn
    /// at random; every asset balances to the atom after every tick and the lending
    /// books match their sums.
    #[test]
    fn every_asset_balances_to_the_atom_after_every_tick(
        seed in 0u64..1_000_000,
        gap in -0.6f64..0.3,
        pool_weth in 200i128..50_000,
        hf_lo in 1.01f64..1.5,
        count in 1u32..40,
        capital in 0i128..50_000_000,
        route in proptest::bool::ANY,
        reads_pool in proptest::bool::ANY,
        vol in 0.0f64..2.0,
        compound in proptest::bool::ANY,
        listed in proptest::bool::ANY,
        run in proptest::option::of((0.0f64..0.5, 0.0f64..5.0, 0.0f64..1.0)),
    ) {
        let mut spec = two_markets(route, reads_pool);
        spec.ticks = 12;
        spec.venues[0].base_reserve = pool_weth * E18;
        spec.venues[0].quote_reserve = pool_weth * 3_000 * E6;
        if let PriceOrigin::Process { process: ProcessSpec::Stochastic(s), gaps } = &mut spec.assets[1].price {
            s.volatility_annual = vol;
            gaps[0].fraction = gap;
        }
        for p in &mut spec.protocols {
            let ProtocolSpec::Lending(l) = p else { continue };
            l.borrowers[0].count = count;
            l.borrowers[0].health_factor = (hf_lo, hf_lo + 0.3);
            if compound {
                l.close_factor = faultline_math::aave::CloseFactor::Fixed(ppm(0.5));
            }
            if let Some((base, herd, trigger)) = run {
                // Depositors of the USDC reserve run (0.0 trigger: at once).
                l.reserves[0].run = Some(faultline_world::lending::RunSpec {
                    holders: 50,
                    base,
                    herd,
                    utilization_trigger: ppm(trigger),
                });
            }
            if listed {
                // Real-looking debts: one borrower per listed USDC amount.
                l.borrowers[0].debts = (1..=i128::from(count)).map(|k| k * 37_000 * E6).collect();
            }
        }
        if let AgentSpec::Liquidator(l) = &mut spec.agents[0] {
            l.capital[0] = Amount::new(USDC, capital * E6);
        }
        let mut w = World::new(spec, seed).unwrap().with_full_checks();
        w.run().unwrap();
        prop_assert!(w.ledger.imbalances().is_empty());
    }
}

/// A CDP issuing FUSD (priced by its FUSD/USDC pool) against WETH, with keepers that sell
/// what they win back through the pools, and FUSD holders who dump.
fn cdp_world(gap: f64, vaults: u32, keeper_fusd: i128, dump: i128, step_s: u64) -> WorldSpec {
    use faultline_math::maker::{AuctionCurve, RAY as MRAY};
    use faultline_world::cdp::{CdpSpec, IlkSpec, VaultPopulation};
    const FUSD: AssetId = AssetId(2);
    let mut spec = two_markets(true, true);
    spec.ticks = 30;
    spec.assets[2] = AssetSpec {
        name: "FUSD".into(),
        decimals: 18,
        price: PriceOrigin::Market {
            venue: VenueId(1),
            initial: 1.0,
        },
    };
    if let PriceOrigin::Process { gaps, .. } = &mut spec.assets[1].price {
        gaps[0].fraction = gap;
    }
    spec.venues[1] = VenueSpec {
        name: "fusd-usdc".into(),
        chain: Some(ChainId(0)),
        base: FUSD,
        quote: USDC,
        curve: Curve::StableSwap {
            amplification: 100,
            rate_e18: 1_000_000_000_000_000_000,
        },
        fee_ppm: 400,
        base_reserve: 2_000_000 * E18,
        quote_reserve: 2_000_000 * E6,
    };
    spec.oracles[2] = oracle("fusd", FUSD, vec![OracleSource::Venue(VenueId(1))], 0);
    spec.protocols = vec![ProtocolSpec::Cdp(CdpSpec {
        name: "maker".into(),
        chain: ChainId(0),
        stablecoin: FUSD,
        stable_decimals: 18,
        ilks: vec![IlkSpec {
            asset: WETH,
            decimals: 18,
            oracle: OracleId(1),
            mat: ppm(1.5),
            chop: ppm(1.13),
            buf: ppm(1.05),
            tail_s: 600,
            cusp_ray: MRAY / 10 * 4,
            curve: AuctionCurve::Stairstep {
                step_s,
                cut_ray: MRAY / 100 * 97,
            },
            hole: 30_000_000 * E18,
            tip: 300 * E18,
            chip: ppm(0.001),
            english: None,
            duty: faultline_math::maker::RAY,
        }],
        vaults: vec![VaultPopulation {
            ilk: 0,
            count: vaults,
            collateral_value: (100_000.0, 3_000_000.0),
            collateralization: (1.5, 2.2),
        }],
        hole: 50_000_000 * E18,
        peg: None,
        debt_auction: None,
    })];
    spec.agents = vec![
        AgentSpec::Liquidator(LiquidatorSpec {
            name: "keepers".into(),
            protocols: vec![ProtocolId(0)],
            capital: vec![
                Amount::new(FUSD, keeper_fusd * E18),
                Amount::new(WETH, 100 * E18),
            ],
            routes: vec![(WETH, vec![VenueId(0), VenueId(1)])],
            min_profit: Value::from_dollars(10).unwrap(),
            gas_per_liquidation: 400_000,
            max_per_block: 1_000,
            max_gas_wei: None,
            strategy: KeeperStrategy::Valuation,
            min_discount: ppm(0.05),
        }),
        AgentSpec::Seller(SellerSpec {
            name: "holders".into(),
            asset: FUSD,
            venue: VenueId(1),
            holding: dump * E18,
            below: faultline_units::Price::from_units(2).unwrap(),
            per_block: Value::from_dollars(300_000).unwrap(),
            from_tick: 3,
            run: None,
            sales: Vec::new(),
            watch: Vec::new(),
        }),
        AgentSpec::Arbitrageur(ArbitrageurSpec {
            name: "arb".into(),
            venue: VenueId(0),
            max_trade: Value::from_dollars(5_000_000).unwrap(),
            threshold: ppm(0.003),
        }),
    ];
    spec
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Random CDP worlds: gaps, vault counts, keeper capital, dumps and auction speeds;
    /// every asset balances to the atom after every tick, the stablecoin's supply equals
    /// the vaults' debt plus `sin`, and the vat and clipper hold what the books say.
    #[test]
    fn a_cdp_world_balances_every_asset_and_its_debt_every_tick(
        seed in 0u64..1_000_000,
        gap in -0.6f64..0.1,
        vaults in 60u32..150,
        keeper_fusd in 0i128..3_000_000,
        dump in 0i128..2_000_000,
        step_s in 12u64..120,
        english in proptest::option::of((60u64..1_200, 0.0f64..0.1, 1i128..400, proptest::bool::ANY)),
        gas_cap in proptest::option::of(1u128..100),
        peg in proptest::option::of((0.0f64..0.05, 10_000i128..5_000_000, 1.5f64..4.0)),
        run in proptest::option::of((1u32..300, 0.0f64..0.3, 0.0f64..5.0)),
    ) {
        let mut spec = cdp_world(gap, vaults, keeper_fusd, dump, step_s);
        if let (Some((holders, base, herd)), Some(AgentSpec::Seller(sp))) = (run, spec.agents.get_mut(1)) {
            sp.run = Some((holders, faultline_world::herd::HerdSpec { base, herd }));
        }
        if let (Some((band, per_block, floor)), ProtocolSpec::Cdp(c)) = (peg, &mut spec.protocols[0]) {
            c.peg = Some(faultline_world::cdp::PegDefence {
                venue: VenueId(1),
                band: ppm(band),
                per_block: Value::from_dollars(per_block).unwrap(),
                min_collateralization: ppm(floor),
            });
        }
        if let Some((ttl_s, beg, lump, lowball)) = english {
            with_english(&mut spec, ttl_s, beg, lump, lowball);
        }
        if let AgentSpec::Liquidator(l) = &mut spec.agents[0] {
            l.max_gas_wei = gas_cap.map(|g| g * 1_000_000_000);
        }
        let mut w = World::new(spec, seed).unwrap().with_full_checks();
        w.run().unwrap();
        prop_assert!(w.ledger.imbalances().is_empty());
    }
}

/// Turn the CDP world's ilk into Liquidations 1.2's English auctions, with a second
/// keeper that lowballs when `lowball`.
fn with_english(spec: &mut WorldSpec, ttl_s: u64, beg: f64, lump_weth: i128, lowball: bool) {
    let ProtocolSpec::Cdp(c) = &mut spec.protocols[0] else {
        unreachable!()
    };
    c.ilks[0].english = Some(faultline_world::cdp::EnglishAuction {
        ttl_s,
        tau_s: 3 * ttl_s,
        beg: ppm(1.0 + beg),
        lump: lump_weth * E18,
    });
    if lowball {
        let AgentSpec::Liquidator(mut l) = spec.agents[0].clone() else {
            unreachable!()
        };
        l.name = "lowballer".into();
        l.strategy = KeeperStrategy::Lowball;
        spec.agents.insert(1, AgentSpec::Liquidator(l));
    }
}

#[test]
fn english_auctions_raise_bids_by_beg_and_a_lone_lowballer_wins_for_nothing() {
    // A valuation keeper and a lowballer: bids step up to the valuation and the
    // auctions settle with the tab mostly raised.
    let mut both = cdp_world(-0.45, 60, 3_000_000, 0, 12);
    with_english(&mut both, 120, 0.03, 50, true);
    let mut w = World::new(both.clone(), 3).unwrap().with_full_checks();
    w.run().unwrap();
    let s = w.summary(None).unwrap();
    let d = s.protocols[0].cdp.as_ref().unwrap().clone();
    assert!(
        s.protocols[0].liquidations > 10 && d.takes > 0,
        "{:?}",
        s.protocols[0]
    );
    assert!(d.raised > 0.0);
    // Price the valuation keeper out with a gas cap below the chain's price: the
    // lowballer bids alone, and wins lots for under one FUSD.
    let mut alone = both;
    if let AgentSpec::Liquidator(l) = &mut alone.agents[0] {
        l.max_gas_wei = Some(1);
    }
    let mut w = World::new(alone, 3).unwrap().with_full_checks();
    w.run().unwrap();
    let a = w.summary(None).unwrap();
    let da = a.protocols[0].cdp.as_ref().unwrap();
    assert!(da.zero_bid_auctions > 0, "{da:?}");
    assert!(da.zero_bid_value > 0.0);
    assert!(
        a.protocols[0].shortfall > s.protocols[0].shortfall,
        "zero bids leave the debt unraised: {} vs {}",
        a.protocols[0].shortfall,
        s.protocols[0].shortfall
    );
}

#[test]
fn a_deep_gap_barks_the_cdp_and_keepers_settle_auctions() {
    let mut w = World::new(cdp_world(-0.45, 60, 3_000_000, 0, 12), 3)
        .unwrap()
        .with_full_checks();
    w.run().unwrap();
    let s = w.summary(None).unwrap();
    let maker = &s.protocols[0];
    let d = maker.cdp.as_ref().unwrap();
    assert!(maker.liquidations > 10 && d.takes > 0, "{maker:?}");
    assert!(d.raised > 0.0);
}
