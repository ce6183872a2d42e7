//! World files: perp venues, whose markets, accounts and mitigations come from a venue
//! file or inline sections and whose bound markets take reference, oracle and hedging
//! from the world; their other collateral, reserve and refills.

use super::{atoms, ppm, Names, Resolver};
use crate::schema::world::{
    InsuranceReserveFile, PerpCollateralFile, PerpMarketFile, ProtocolFile, RefillFile,
};
use faultline_units::{Amount, AssetId};
use faultline_world::perp::{AcceptedCollateral, InsuranceReserve, PerpFactory, PerpSpec, Refill};
use faultline_world::spec::{
    AssetSpec, ChainId, OracleId, OracleSpec, ProtocolSpec, VenueId, VenueSpec,
};

/// A `[[protocol]]` of kind `perp`, borrowed.
pub(super) struct PerpFile<'a> {
    pub name: &'a str,
    pub chain: &'a str,
    pub file: Option<&'a str>,
    pub collateral: Option<&'a str>,
    pub bind: &'a [PerpMarketFile],
    pub accepts: &'a [PerpCollateralFile],
    pub reserve: Option<&'a InsuranceReserveFile>,
    pub refill: Option<&'a RefillFile>,
}

/// What the rules for a venue's other assets need to look up.
struct Lookup<'a, 'n> {
    at: &'a str,
    n: &'a Names<'n>,
    collateral: Option<usize>,
    aspecs: &'a [AssetSpec],
    ospecs: &'a [OracleSpec],
    vspecs: &'a [VenueSpec],
}

impl Resolver<'_> {
    /// A `[[protocol]]` of kind `perp`.
    pub(super) fn perp_protocol(
        &mut self,
        i: usize,
        p: &ProtocolFile,
        n: &Names<'_>,
        ospecs: &[OracleSpec],
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> Option<ProtocolSpec> {
        let ProtocolFile::Perp {
            name,
            chain,
            file,
            collateral,
            bind,
            accepts,
            insurance_reserve,
            refill,
            ..
        } = p
        else {
            return None;
        };
        let b = PerpFile {
            name,
            chain,
            file: file.as_deref(),
            collateral: collateral.as_deref(),
            bind,
            accepts,
            reserve: insurance_reserve.as_deref(),
            refill: refill.as_deref(),
        };
        self.perp(i, &b, n, ospecs, aspecs, vspecs)
            .map(ProtocolSpec::Perp)
    }

    /// Load the venue (its file or its inline sections), check it can run inside the
    /// world, bind its markets and make the factory that builds it for a seed.
    fn perp(
        &mut self,
        i: usize,
        p: &PerpFile<'_>,
        n: &Names<'_>,
        ospecs: &[OracleSpec],
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> Option<PerpSpec> {
        let at = format!("protocol[{i}]");
        let chain = self.find(format!("{at}.chain"), "chain", p.chain, n.chains);
        let collateral = self.collateral(&at, p.collateral, n, aspecs);
        let mut scenario = match p.file {
            Some(f) => self.venue_file(&at, f, chain)?,
            None => self.inline_venue(i)?,
        };
        if p.bind.is_empty() {
            self.push(
                format!("{at}.bind"),
                "at least one market bound to a world asset",
                "none",
                "add [[protocol.bind]] with symbol, asset and oracle",
            );
        }
        let markets = self.bind(&at, p.bind, &mut scenario, n, ospecs, vspecs);
        let look = Lookup {
            at: &at,
            n,
            collateral,
            aspecs,
            ospecs,
            vspecs,
        };
        let accepts = self.accepted(&look, p.accepts);
        let reserve = p.reserve.and_then(|r| self.reserve(&look, r));
        let refill = p.refill.map(|r| self.refill(&at, r, collateral, n, aspecs));
        let (chain, collateral) = (chain?, collateral?);
        let scenario = std::sync::Arc::new(scenario);
        let build = PerpFactory(std::sync::Arc::new(
            move |seed, paths: &[(usize, Vec<f64>)]| {
                crate::build_with_references(&scenario, seed, paths)
                    .map(|b| b.sim)
                    .map_err(|e| Box::new(e) as faultline_world::perp::BuildFailure)
            },
        ));
        Some(PerpSpec {
            name: p.name.to_string(),
            chain: ChainId(u16::try_from(chain).unwrap_or(0)),
            collateral: AssetId(u16::try_from(collateral).unwrap_or(0)),
            markets,
            accepts: accepts?,
            reserve,
            refill,
            seed: faultline_world::perp::SeedStream::PerVenue,
            build,
        })
    }

    /// Refills: amounts in the venue's collateral; the lending market is checked once
    /// every protocol is resolved.
    fn refill(
        &mut self,
        at: &str,
        r: &RefillFile,
        collateral: Option<usize>,
        n: &Names<'_>,
        aspecs: &[AssetSpec],
    ) -> Refill {
        let d = collateral.map_or(6, |c| aspecs[c].decimals);
        let lend = r.lend.as_ref().and_then(|l| {
            let p = self.find(
                format!("{at}.refill.lend.protocol"),
                "protocol",
                &l.protocol,
                n.protocols,
            )?;
            Some((
                faultline_world::spec::ProtocolId(u16::try_from(p).unwrap_or(0)),
                atoms(l.amount, d),
            ))
        });
        Refill {
            below: ppm(r.below),
            per_block: atoms(r.per_block, d),
            cash: atoms(r.cash, d),
            lend,
        }
    }

    /// An asset other than the venue's collateral (`field` names it).
    fn other_asset(&mut self, look: &Lookup<'_, '_>, field: String, name: &str) -> Option<usize> {
        let a = self.find(field.clone(), "asset", name, look.n.assets)?;
        if Some(a) == look.collateral {
            self.push(
                field,
                "an asset other than the venue's collateral",
                &format!("\"{name}\""),
                "the venue's own collateral counts in full; list only other assets",
            );
            return None;
        }
        Some(a)
    }

    /// An oracle pricing `asset`.
    fn priced_by(
        &mut self,
        look: &Lookup<'_, '_>,
        field: String,
        name: &str,
        asset: Option<usize>,
    ) -> Option<OracleId> {
        let o = self.find(field.clone(), "oracle", name, look.n.oracles)?;
        if let Some(a) = asset.filter(|&a| look.ospecs[o].asset.index() != a) {
            self.push(
                field,
                &format!("an oracle pricing {}", look.aspecs[a].name),
                &format!("\"{name}\""),
                "value each asset at its own oracle",
            );
            return None;
        }
        Some(OracleId(u16::try_from(o).unwrap_or(0)))
    }

    /// A pool trading `asset` against the venue's collateral.
    fn sale_pool(
        &mut self,
        look: &Lookup<'_, '_>,
        field: String,
        name: &str,
        asset: Option<usize>,
    ) -> Option<VenueId> {
        let v = self.find(field.clone(), "venue", name, look.n.venues)?;
        let (base, quote) = (look.vspecs[v].base.index(), look.vspecs[v].quote.index());
        if let (Some(a), Some(c)) = (asset, look.collateral) {
            if !((base == a && quote == c) || (base == c && quote == a)) {
                self.push(
                    field,
                    &format!(
                        "a pool trading {} against {}",
                        look.aspecs[a].name, look.aspecs[c].name
                    ),
                    &format!(
                        "\"{name}\", trading {}/{}",
                        look.aspecs[base].name, look.aspecs[quote].name
                    ),
                    "the venue sells it for its own collateral in one swap",
                );
            }
        }
        Some(VenueId(u16::try_from(v).unwrap_or(0)))
    }

    /// `accepts`: each asset once, valued at its own oracle, sold for the collateral;
    /// shares add up to at most 1.
    fn accepted(
        &mut self,
        look: &Lookup<'_, '_>,
        list: &[PerpCollateralFile],
    ) -> Option<Vec<AcceptedCollateral>> {
        let mut out = Vec::new();
        let mut ok = true;
        let mut total = 0.0;
        for (k, c) in list.iter().enumerate() {
            let ck = format!("{}.accepts[{k}]", look.at);
            total += c.share;
            let asset = self.other_asset(look, format!("{ck}.asset"), &c.asset);
            if asset.is_some() && list[..k].iter().any(|o| o.asset == c.asset) {
                self.push(
                    format!("{ck}.asset"),
                    "an asset not listed before in `accepts`",
                    &format!("\"{}\"", c.asset),
                    "list each accepted asset once",
                );
                ok = false;
            }
            let oracle = self.priced_by(look, format!("{ck}.oracle"), &c.oracle, asset);
            let pool = self.sale_pool(look, format!("{ck}.sell_on"), &c.sell_on, asset);
            match (asset, oracle, pool) {
                (Some(a), Some(o), Some(v)) => out.push(AcceptedCollateral {
                    asset: AssetId(u16::try_from(a).unwrap_or(0)),
                    oracle: o,
                    haircut: ppm(c.haircut),
                    share: ppm(c.share),
                    sell_on: v,
                }),
                _ => ok = false,
            }
        }
        if total > 1.0 + 1e-12 {
            self.push(
                format!("{}.accepts", look.at),
                "shares that add up to at most 1",
                &format!("{total}"),
                "each share is a part of the same opening margin",
            );
            ok = false;
        }
        ok.then_some(out)
    }

    fn reserve(
        &mut self,
        look: &Lookup<'_, '_>,
        r: &InsuranceReserveFile,
    ) -> Option<InsuranceReserve> {
        let rk = format!("{}.insurance_reserve", look.at);
        let asset = self.other_asset(look, format!("{rk}.asset"), &r.asset);
        let oracle = self.priced_by(look, format!("{rk}.oracle"), &r.oracle, asset);
        let pool = self.sale_pool(look, format!("{rk}.sell_on"), &r.sell_on, asset);
        let (a, o, v) = (asset?, oracle?, pool?);
        Some(InsuranceReserve {
            amount: Amount::new(
                AssetId(u16::try_from(a).unwrap_or(0)),
                atoms(r.amount, look.aspecs[a].decimals),
            ),
            oracle: o,
            haircut: ppm(r.haircut),
            sell_on: v,
        })
    }
}
