//! An options vault in a world (the bundled `levered-put-vault.toml`): its loss grows
//! faster than the gap, its greeks margin makes it buy back, its deposit in a lending
//! market is a channel (a run there leaves the buyers unpaid) that vanishes when cut,
//! and the errors a bad vault section gets.

mod common;

use common::line_of;
use faultline_scenario::world_file::parse_world;
use faultline_world::record::OptionsDetail;
use faultline_world::{World, WorldEventKind, WorldSummary};
use std::path::{Path, PathBuf};

const VAULT: &str = include_str!("../../../scenarios/worlds/levered-put-vault.toml");

fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/worlds/levered-put-vault.toml")
}

fn run(text: &str) -> (World, WorldSummary) {
    common::run_world(text, &path())
}

fn vault(s: &WorldSummary) -> (f64, OptionsDetail) {
    let p = &s.protocols[1];
    (p.shortfall, p.options.clone().unwrap())
}

/// The bundled file without the depositors' run (the vault's cash is safe).
fn calm() -> String {
    VAULT.replace(
        "run = { holders = 1000, base = 0.5, herd = 1.0, utilization_trigger = 0.0 }",
        "",
    )
}

#[test]
fn a_levered_put_vaults_payout_grows_faster_than_the_gap() {
    let paid = |gap: &str| {
        let text = calm()
            .replace("fraction = -0.30", &format!("fraction = -{gap}"))
            .replace("margin_shock = 0.15", "margin_shock = 0.0");
        vault(&run(&text).1).1.paid_at_expiry
    };
    let (p10, p20, p30) = (paid("0.10"), paid("0.20"), paid("0.30"));
    assert!(p10 > 0.0, "{p10}");
    assert!(p20 > 2.0 * p10 && p30 > 3.0 * p10, "{p10} {p20} {p30}");
}

#[test]
fn under_its_greeks_margin_the_vault_buys_back_and_without_one_it_does_not() {
    let (world, s) = run(&calm());
    let (_, d) = vault(&s);
    assert!(d.bought_back > 1e6, "{d:?}");
    assert!(world
        .events()
        .iter()
        .any(|e| e.kind == WorldEventKind::VaultDeRisk && e.tick == 50));
    let (_, none) = run(&calm().replace("margin_shock = 0.15", "margin_shock = 0.0"));
    let (_, n) = vault(&none);
    assert_eq!(n.bought_back.to_bits(), 0.0f64.to_bits());
    assert!(n.paid_at_expiry > d.paid_at_expiry, "{n:?} {d:?}");
}

#[test]
fn a_run_on_the_lending_market_strands_the_vaults_deposit_and_its_buyers_go_unpaid() {
    let (world, s) = run(VAULT);
    let (shortfall, d) = vault(&s);
    assert!(shortfall > 5e6, "{shortfall} {d:?}");
    assert!(world
        .events()
        .iter()
        .any(|e| e.kind == WorldEventKind::VaultShortfall));
    // The deposit is a claim on the market in the exposure network.
    let net = world.network_start().unwrap();
    assert!(
        net.claims.is_empty(),
        "nothing deposited before the first write"
    );
    let end = world.network().unwrap();
    assert!(
        end.claims
            .iter()
            .any(|c| c.debtor == "lender" && c.creditor == "theta" && c.amount > 1e6),
        "{:?}",
        end.claims
    );
    // Cut the channel: the vault keeps its cash and pays in full.
    let (_, kept) = run(&VAULT.replace("share = 0.8", "share = 0.0"));
    assert_eq!(vault(&kept).0.to_bits(), 0.0f64.to_bits());
    // Or cut the run: the deposit comes back when needed.
    let (_, calm) = run(&calm());
    assert_eq!(vault(&calm).0.to_bits(), 0.0f64.to_bits());
}

#[test]
fn the_vault_is_its_own_protocol_in_the_contagion_reruns() {
    let w = parse_world(VAULT, &path()).unwrap();
    let (_, base) = run(VAULT);
    let rows = faultline_world::contagion::dynamic_contagion(&w.spec, w.file.seed, &base).unwrap();
    let theta = rows.iter().find(|r| r.protocol == "theta").unwrap();
    assert!(theta.loss > 5e6, "{rows:?}");
    // Cutting the lending market's links (no outside deposits) spares the vault.
    let lender = rows.iter().find(|r| r.protocol == "lender").unwrap();
    assert!(lender.harm_caused > 5e6, "{rows:?}");
}

#[test]
fn a_bad_vault_section_is_named_field_by_field_with_its_line() {
    let text = VAULT
        .replace("oracle = \"eth\"\ncash", "oracle = \"usdc\"\ncash")
        .replace("cash = \"USDC\"", "cash = \"WETH\"")
        .replace(
            "lend = { protocol = \"lender\"",
            "lend = { protocol = \"lendr\"",
        );
    let r = parse_world(&text, &path()).unwrap_err();
    let field = |f: &str| {
        r.errors
            .iter()
            .find(|e| e.field == f)
            .unwrap_or_else(|| panic!("{f} missing: {r}"))
    };
    // The vault's own `oracle` line, two lines below its `option`.
    assert_eq!(
        field("protocol[1].oracle").line,
        line_of(&text, "option = \"put\"") + 2
    );
    assert!(field("protocol[1].cash").hint.contains("pegged"));
    assert!(field("protocol[1].lend.protocol")
        .hint
        .contains("did you mean `lender`"));
    // A call vault does not lend; a vault lends only where its cash is listed.
    let call = VAULT.replace("option = \"put\"", "option = \"call\"");
    let r = parse_world(&call, &path()).unwrap_err();
    assert!(
        r.errors.iter().any(|e| e.field == "protocol[1].lend"),
        "{r}"
    );
    let unlisted = VAULT.replace("cash = \"USDC\"", "cash = \"DAI\"").replace(
        "[[asset]]\nname = \"WETH\"",
        "[[asset]]\nname = \"DAI\"\ndecimals = 18\nprice = { kind = \"peg\", price = 1.0 }\n\n[[asset]]\nname = \"WETH\"",
    );
    let r = parse_world(&unlisted, &path()).unwrap_err();
    assert!(
        r.errors
            .iter()
            .any(|e| e.field == "protocol[1].lend.protocol"),
        "{r}"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 100, ..Default::default() })]

    /// Random vault worlds: every asset balances every tick, the market's books (with
    /// the vault's deposit) hold in full every tick, and the vault never owes a negative
    /// book.
    #[test]
    fn random_vault_worlds_balance_every_asset_every_tick(
        seed in 0u64..1_000_000,
        gap in 0.0f64..0.6,
        ratio in 0.05f64..1.0,
        share in 0.0f64..1.0,
        shock in 0.0f64..0.5,
        base in 0.0f64..1.0,
        call in proptest::bool::ANY,
        expiry in 600u64..4_000,
    ) {
        let mut text = VAULT
            .replace("seed = 3", &format!("seed = {seed}"))
            .replace("fraction = -0.30", &format!("fraction = -{gap}"))
            .replace("collateral_ratio = 0.35", &format!("collateral_ratio = {ratio}"))
            .replace("margin_shock = 0.15", &format!("margin_shock = {shock}"))
            .replace("base = 0.5", &format!("base = {base}"))
            .replace("expiry_s = 3600", &format!("expiry_s = {expiry}"))
            .replace("count = 800", "count = 200");
        text = if call {
            text.replace("option = \"put\"", "option = \"call\"")
                .replace("deposits = 20_000_000", "deposits = 5_000")
                .replace("lend = { protocol = \"lender\", share = 0.8 }", "sell_on = \"uni\"")
        } else {
            text.replace("share = 0.8", &format!("share = {share}"))
        };
        let w = parse_world(&text, &path()).unwrap_or_else(|r| panic!("{r}"));
        let mut world = World::new(w.spec, w.file.seed).unwrap().with_full_checks();
        world.run().unwrap();
        proptest::prop_assert!(world.ledger.imbalances().is_empty());
        let s = world.summary(None).unwrap();
        proptest::prop_assert!(s.protocols[1].shortfall >= 0.0);
    }
}
