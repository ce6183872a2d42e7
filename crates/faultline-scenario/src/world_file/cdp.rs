//! World files: CDP stablecoins and the assets whose price is their market's.

use super::{ppm, ray, Names, Resolver};
use crate::schema::world::{
    AgentFile, AuctionCurveFile, DebtAuctionFile, IlkFile, PegDefenceFile, VaultsFile,
};
use faultline_math::maker::AuctionCurve;
use faultline_units::{AssetId, Ppm};
use faultline_world::cdp::{
    CdpSpec, DebtAuction, EnglishAuction, IlkSpec, PegDefence, VaultPopulation,
};
use faultline_world::spec::{
    AgentSpec, AssetSpec, ChainId, ChainSpec, OracleId, OracleSpec, PriceOrigin, ProtocolId,
    ProtocolSpec, VenueId, VenueSpec,
};

/// A `[[protocol]]` of kind `cdp`, borrowed.
pub(super) struct CdpFile<'a> {
    pub name: &'a str,
    pub chain: &'a str,
    pub stablecoin: &'a str,
    pub hole: f64,
    pub ilk: &'a [IlkFile],
    pub vaults: &'a [VaultsFile],
    pub peg: Option<&'a PegDefenceFile>,
    pub debt_auction: Option<&'a DebtAuctionFile>,
}

/// An annual stability fee as `jug`'s per-second `duty`, ray: `(1 + fee)^(1 / year)`,
/// through `expm1` so the small excess over one keeps its digits.
/// True when asset `a` is priced by its market (issued inside the world). Names that did
/// not resolve were reported already and stand for id 0, which may name nothing: ids are
/// looked up, never indexed by.
fn issued(aspecs: &[AssetSpec], a: AssetId) -> bool {
    aspecs
        .get(a.index())
        .is_some_and(|x| matches!(x.price, PriceOrigin::Market { .. }))
}

/// Asset `a`'s name in quotes, for messages (empty if `a` names nothing).
fn quoted(aspecs: &[AssetSpec], a: AssetId) -> String {
    aspecs
        .get(a.index())
        .map_or_else(String::new, |x| format!("\"{}\"", x.name))
}

fn duty_ray(annual: f64) -> i128 {
    let per_s = libm::expm1(libm::log1p(annual) / 31_536_000.0);
    #[allow(clippy::cast_possible_truncation)] // below 1e-7 × 1e27
    let excess = (per_s * 1e27).round() as i128;
    faultline_math::maker::RAY + excess.max(0)
}

/// A multiplier `1 + x` (or `x` itself when `plus_one` is false) in parts per million.
fn mult(x: f64, plus_one: bool) -> Ppm {
    ppm(if plus_one { 1.0 + x } else { x })
}

impl Resolver<'_> {
    /// Resolve a CDP: its stablecoin must be priced by its market and issued by no one
    /// else; each ilk's oracle must price its asset; vaults start above the ratio.
    pub(super) fn cdp(
        &mut self,
        i: usize,
        c: &CdpFile<'_>,
        n: &Names<'_>,
        ospecs: &[OracleSpec],
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> Option<CdpSpec> {
        let at = format!("protocol[{i}]");
        let chain = self.find(format!("{at}.chain"), "chain", c.chain, n.chains);
        let stable = self.find(format!("{at}.stablecoin"), "asset", c.stablecoin, n.assets);
        if let Some(s) = stable.filter(|&s| !matches!(aspecs[s].price, PriceOrigin::Market { .. }))
        {
            self.push(
                format!("{at}.stablecoin"),
                "an asset priced by its market (`price = { kind = \"market\", venue = ... }`)",
                &format!("\"{}\"", aspecs[s].name),
                "a CDP's stablecoin has no outside price: it trades where its pools say",
            );
        }
        let sd = stable.map_or(18, |s| aspecs[s].decimals);
        let units = |x: f64| super::atoms(x, sd);
        let mut ilks = Vec::new();
        let listed: Vec<&str> = c.ilk.iter().map(|k| k.asset.as_str()).collect();
        for (k, ilk) in c.ilk.iter().enumerate() {
            let ik = format!("{at}.ilk[{k}]");
            if listed[..k].contains(&ilk.asset.as_str()) {
                self.push(
                    format!("{ik}.asset"),
                    "one collateral type per asset",
                    &format!("\"{}\" again", ilk.asset),
                    "merge the two collateral types",
                );
            }
            let a = self.find(format!("{ik}.asset"), "asset", &ilk.asset, n.assets);
            let o = self.find(format!("{ik}.oracle"), "oracle", &ilk.oracle, n.oracles);
            if let (Some(a), Some(o)) = (a, o) {
                if ospecs[o].asset.index() != a {
                    self.push(
                        format!("{ik}.oracle"),
                        &format!("an oracle pricing {}", ilk.asset),
                        &format!("\"{}\"", ilk.oracle),
                        "each collateral type reads its own asset's oracle",
                    );
                }
            }
            if stable.is_some() && a == stable {
                self.push(
                    format!("{ik}.asset"),
                    "a collateral other than the stablecoin",
                    &format!("\"{}\"", ilk.asset),
                    "a CDP cannot be backed by its own stablecoin",
                );
            }
            let decimals = a.map_or(18, |a| aspecs[a].decimals);
            let (curve, english) = match ilk.curve {
                AuctionCurveFile::Linear { tau_s } => (AuctionCurve::Linear { tau_s }, None),
                AuctionCurveFile::Stairstep { step_s, cut } => (
                    AuctionCurve::Stairstep {
                        step_s,
                        cut_ray: ray(cut),
                    },
                    None,
                ),
                AuctionCurveFile::English { ttl_s, tau_s, beg } => (
                    AuctionCurve::Linear { tau_s },
                    Some(EnglishAuction {
                        ttl_s,
                        tau_s,
                        beg: mult(beg, true),
                        lump: ilk.lump.map_or(i128::MAX, |l| super::atoms(l, decimals)),
                    }),
                ),
            };
            if ilk.lump.is_some() && english.is_none() {
                self.push(
                    format!("{ik}.lump"),
                    "`lump` only with `curve = { kind = \"english\", ... }`",
                    "a lump on a Dutch auction",
                    "Liquidations 2.0 auctions a whole vault within `hole`: drop `lump`",
                );
            }
            ilks.push(IlkSpec {
                asset: AssetId(u16::try_from(a.unwrap_or(0)).unwrap_or(0)),
                decimals,
                oracle: OracleId(u16::try_from(o.unwrap_or(0)).unwrap_or(0)),
                mat: mult(ilk.liquidation_ratio, false),
                chop: mult(ilk.penalty, true),
                buf: mult(ilk.buf, false),
                tail_s: ilk.tail_s,
                cusp_ray: ray(ilk.cusp),
                curve,
                hole: units(ilk.hole),
                tip: units(ilk.tip),
                chip: ppm(ilk.chip),
                english,
                duty: duty_ray(ilk.stability_fee),
            });
        }
        let mut vaults = Vec::new();
        for (k, v) in c.vaults.iter().enumerate() {
            let vk = format!("{at}.vaults[{k}]");
            let Some(ilk) = self.find(
                format!("{vk}.ilk"),
                "collateral type of this CDP",
                &v.ilk,
                &listed,
            ) else {
                continue;
            };
            let [v0, v1] = v.collateral_value_usd;
            if !(v0 > 0.0 && v0 <= v1) {
                self.push(
                    format!("{vk}.collateral_value_usd"),
                    "[low, high] with 0 < low ≤ high",
                    &format!("[{v0}, {v1}]"),
                    "order the bounds",
                );
            }
            let [c0, c1] = v.collateralization;
            let mat = c.ilk[ilk].liquidation_ratio;
            if !(c0 >= mat && c0 <= c1) {
                self.push(
                    format!("{vk}.collateralization"),
                    &format!("[low, high] with {mat} ≤ low ≤ high"),
                    &format!("[{c0}, {c1}]"),
                    "vaults start safe: the lower bound is at least the liquidation ratio",
                );
            }
            vaults.push(VaultPopulation {
                ilk,
                count: v.count,
                collateral_value: (v0, v1),
                collateralization: (c0, c1),
            });
        }
        Some(CdpSpec {
            name: c.name.to_string(),
            chain: ChainId(u16::try_from(chain?).unwrap_or(0)),
            stablecoin: AssetId(u16::try_from(stable?).unwrap_or(0)),
            stable_decimals: sd,
            ilks,
            vaults,
            hole: units(c.hole),
            peg: c
                .peg
                .and_then(|p| self.peg(&at, p, stable, n, aspecs, vspecs)),
            debt_auction: c
                .debt_auction
                .and_then(|d| self.debt_auction(&at, d, stable, n, aspecs)),
        })
    }

    /// A CDP's debt auctions: the token is another asset than the stablecoin.
    fn debt_auction(
        &mut self,
        at: &str,
        d: &DebtAuctionFile,
        stable: Option<usize>,
        n: &Names<'_>,
        aspecs: &[AssetSpec],
    ) -> Option<DebtAuction> {
        let token = self.find(
            format!("{at}.debt_auction.token"),
            "asset",
            &d.token,
            n.assets,
        )?;
        if Some(token) == stable {
            self.push(
                format!("{at}.debt_auction.token"),
                "a governance token other than the stablecoin",
                &format!("\"{}\"", d.token),
                "debt auctions mint a separate token (Maker: MKR) to buy the stablecoin back",
            );
        }
        let sd = stable.map_or(18, |s| aspecs[s].decimals);
        let td = aspecs[token].decimals;
        Some(DebtAuction {
            token: AssetId(u16::try_from(token).unwrap_or(0)),
            token_decimals: td,
            sump: super::atoms(d.sump, sd),
            dump: super::atoms(d.dump, td),
            beg: mult(d.beg, false),
            pad: mult(d.pad, false),
            ttl_s: d.ttl_s,
            tau_s: d.tau_s,
            wait_s: d.wait_s,
        })
    }

    /// A debt-auction bidder: its protocol is a CDP with debt auctions; its oracle
    /// prices the token; its route starts from the token.
    pub(super) fn debt_bidder(
        &mut self,
        i: usize,
        a: &AgentFile,
        n: &Names<'_>,
        protocols: &[&str],
        pspecs: &[ProtocolSpec],
    ) -> Option<AgentSpec> {
        let AgentFile::DebtBidder {
            name,
            protocol,
            capital,
            oracle,
            discount,
            route,
        } = a
        else {
            return None;
        };
        let at = format!("agent[{i}]");
        let p = self.find(format!("{at}.protocol"), "protocol", protocol, protocols);
        let o = self.find(format!("{at}.oracle"), "oracle", oracle, n.oracles);
        let cdp = match p.map(|p| &pspecs[p]) {
            Some(ProtocolSpec::Cdp(c)) if c.debt_auction.is_some() => Some(c),
            Some(_) => {
                self.push(
                    format!("{at}.protocol"),
                    "a CDP with `debt_auction`",
                    &format!("\"{protocol}\""),
                    "a debt bidder bids in a CDP's debt auctions: give that CDP a `debt_auction`",
                );
                None
            }
            None => None,
        };
        let route: Vec<VenueId> = route
            .iter()
            .enumerate()
            .filter_map(|(k, v)| {
                self.find(format!("{at}.route[{k}]"), "venue", v, n.venues)
                    .map(|v| VenueId(u16::try_from(v).unwrap_or(0)))
            })
            .collect();
        let sd = cdp.map_or(18, |c| c.stable_decimals);
        Some(AgentSpec::DebtBidder(
            faultline_world::spec::DebtBidderSpec {
                name: name.clone(),
                protocol: ProtocolId(u16::try_from(p.unwrap_or(0)).unwrap_or(0)),
                capital: super::atoms(*capital, sd),
                oracle: OracleId(u16::try_from(o.unwrap_or(0)).unwrap_or(0)),
                discount: ppm(*discount),
                route,
            },
        ))
    }

    /// The peg defence's pool sells the stablecoin for an asset priced outside.
    fn peg(
        &mut self,
        at: &str,
        p: &PegDefenceFile,
        stable: Option<usize>,
        n: &Names<'_>,
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> Option<PegDefence> {
        let field = format!("{at}.peg_defence.venue");
        let v = self.find(field.clone(), "venue", &p.venue, n.venues)?;
        let vs = &vspecs[v];
        let issued = matches!(aspecs[vs.quote.index()].price, PriceOrigin::Market { .. });
        if Some(vs.base.index()) != stable || issued {
            self.push(
                field,
                "a pool selling the stablecoin for an asset priced outside the world",
                &format!(
                    "\"{}\", trading {}/{}",
                    p.venue,
                    aspecs[vs.base.index()].name,
                    aspecs[vs.quote.index()].name
                ),
                "owners trade the stablecoin against money that leaves and enters the world",
            );
            return None;
        }
        Some(PegDefence {
            venue: VenueId(u16::try_from(v).unwrap_or(0)),
            band: ppm(p.band),
            per_block: faultline_units::Value::from_f64(p.per_block_usd).ok()?,
            min_collateralization: ppm(p.min_collateralization),
        })
    }

    /// Rules for assets priced by their market: the venue sells the asset for one
    /// declared earlier; perps never bind to one (their reference must be exogenous); one
    /// issuer per stablecoin; and such an asset never crosses the world's edge (no outside
    /// market exists to take or give it), so no arbitrageur trades its pools, no hedge pays
    /// out in it, and neither a perp's collateral nor a chain's gas is one.
    pub(super) fn market_priced(
        &mut self,
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
        pspecs: &[ProtocolSpec],
        agents: &[AgentSpec],
        chains: &[ChainSpec],
    ) {
        let issued = |a: AssetId| issued(aspecs, a);
        let quoted = |a: AssetId| quoted(aspecs, a);
        for (i, a) in aspecs.iter().enumerate() {
            let PriceOrigin::Market { venue, .. } = a.price else {
                continue;
            };
            let Some(v) = vspecs.get(venue.index()) else {
                continue;
            };
            if v.base.index() != i {
                self.push(
                    format!("asset[{i}].price.venue"),
                    &format!("a venue selling {}", a.name),
                    &format!("\"{}\"", v.name),
                    "the price comes from a pool whose base is this asset",
                );
            } else if v.quote.index() >= i {
                self.push(
                    format!("asset[{i}].price.venue"),
                    &format!("a pool quoted in an asset declared before {}", a.name),
                    &format!("\"{}\", quoted in {}", v.name, aspecs[v.quote.index()].name),
                    "declare the quote asset first: the price is the pool's mid at the quote's price",
                );
            }
        }
        for (k, g) in agents.iter().enumerate() {
            if let AgentSpec::Arbitrageur(a) = g {
                let Some(v) = vspecs.get(a.venue.index()) else {
                    continue;
                };
                if issued(v.base) || issued(v.quote) {
                    self.push(
                        format!("agent[{k}].venue"),
                        "a venue whose assets have an outside market",
                        &format!("\"{}\"", v.name),
                        "an asset priced by its pool has no outside market to arbitrage against",
                    );
                }
            }
        }
        for (c, ch) in chains.iter().enumerate() {
            if self.f.chain[c].gas_asset.is_some() && issued(ch.gas_asset) {
                self.push(
                    format!("chain[{c}].gas_asset"),
                    "an asset with an outside market",
                    &quoted(ch.gas_asset),
                    "gas leaves the world: pay it in an asset priced outside",
                );
            }
        }
        let mut issuers: Vec<AssetId> = Vec::new();
        for (i, p) in pspecs.iter().enumerate() {
            let stable = match p {
                ProtocolSpec::Cdp(c) => c.stablecoin,
                ProtocolSpec::Issuer(is) => is.stable,
                ProtocolSpec::Perp(pp) => {
                    self.perp_outside(i, pp, aspecs, vspecs);
                    continue;
                }
                ProtocolSpec::Lending(_) | ProtocolSpec::Vault(_) => continue,
            };
            if issuers.contains(&stable) {
                self.push(
                    format!("protocol[{i}].stablecoin"),
                    "a stablecoin no other protocol issues",
                    &quoted(stable),
                    "declare one asset per issuer",
                );
            }
            issuers.push(stable);
        }
    }

    /// A perp venue's reference, collateral and hedges need outside markets.
    fn perp_outside(
        &mut self,
        i: usize,
        pp: &faultline_world::perp::PerpSpec,
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) {
        let issued = |a: AssetId| issued(aspecs, a);
        let quoted = |a: AssetId| quoted(aspecs, a);
        if issued(pp.collateral) {
            self.push(
                format!("protocol[{i}].collateral"),
                "an asset with an outside market",
                &quoted(pp.collateral),
                "a venue's top-ups come from outside the world: hold its collateral in an asset priced outside",
            );
        }
        for (k, b) in pp.markets.iter().enumerate() {
            if issued(b.asset) {
                self.push(
                    format!("protocol[{i}].market[{k}].asset"),
                    "an asset with an outside price",
                    &quoted(b.asset),
                    "a perp market's reference must be exogenous",
                );
            }
            if let Some(v) = b
                .hedge_venue
                .map(|v| &vspecs[v.index()])
                .filter(|v| issued(v.quote))
            {
                self.push(
                    format!("protocol[{i}].market[{k}].hedge_venue"),
                    "a pool quoted in an asset with an outside market",
                    &format!("\"{}\"", v.name),
                    "the provider settles its hedge outside the world",
                );
            }
        }
    }
}
