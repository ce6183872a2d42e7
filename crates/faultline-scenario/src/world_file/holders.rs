//! World files: algorithmic issuers and the agents that trade on their own account
//! (sellers, reserves that buy, the arbitrageurs of an issuer's swap).

use super::{atoms, ppm, Names, Resolver};
use crate::schema::world::ProtocolFile;
use crate::schema::world::{AgentFile, RunFile, SaleFile};
use faultline_units::{AssetId, Price, Value};
use faultline_world::issuer::{IssuerArbitrageurSpec, IssuerSpec};
use faultline_world::spec::{
    AgentSpec, AssetSpec, BuyerSpec, ChainId, OracleId, OracleSpec, PriceOrigin, ProtocolId,
    ProtocolSpec, SellerSpec, VenueId, VenueSpec,
};

/// A `[[protocol]]` of kind `issuer`, borrowed.
pub(super) struct IssuerFile<'a> {
    pub name: &'a str,
    pub chain: &'a str,
    pub stablecoin: &'a str,
    pub share: &'a str,
    pub share_oracle: &'a str,
    pub spread: f64,
    pub capacity_per_block: f64,
    pub halt_at_s: Option<u64>,
}

fn id(i: Option<usize>) -> u16 {
    u16::try_from(i.unwrap_or(0)).unwrap_or(0)
}

fn dollars(x: f64) -> Value {
    Value::from_f64(x).unwrap_or(Value::ZERO)
}

fn price(x: f64) -> Price {
    Price::from_f64(x).unwrap_or(Price::ZERO)
}

impl Resolver<'_> {
    /// An issuer: its stablecoin is priced by its market, its share is another asset,
    /// and its oracle prices the share.
    pub(super) fn issuer(
        &mut self,
        i: usize,
        f: &IssuerFile<'_>,
        n: &Names<'_>,
        ospecs: &[OracleSpec],
        aspecs: &[AssetSpec],
    ) -> IssuerSpec {
        let at = format!("protocol[{i}]");
        let chain = self.find(format!("{at}.chain"), "chain", f.chain, n.chains);
        let stable = self.find(format!("{at}.stablecoin"), "asset", f.stablecoin, n.assets);
        let share = self.find(format!("{at}.share"), "asset", f.share, n.assets);
        let oracle = self.find(
            format!("{at}.share_oracle"),
            "oracle",
            f.share_oracle,
            n.oracles,
        );
        if let Some(s) = stable.filter(|&s| !matches!(aspecs[s].price, PriceOrigin::Market { .. }))
        {
            self.push(
                format!("{at}.stablecoin"),
                "an asset priced by its market (`price = { kind = \"market\", venue = ... }`)",
                &format!("\"{}\"", aspecs[s].name),
                "an algorithmic stablecoin has no outside price: it trades where its pools say",
            );
        }
        if stable.is_some() && stable == share {
            self.push(
                format!("{at}.share"),
                "an asset other than the stablecoin",
                &format!("\"{}\"", f.share),
                "the share is the token minted to redeem the stablecoin (Terra's LUNA)",
            );
        }
        if let (Some(o), Some(s)) = (oracle, share) {
            if ospecs[o].asset.index() != s {
                self.push(
                    format!("{at}.share_oracle"),
                    &format!("an oracle pricing {}", f.share),
                    &format!("\"{}\"", f.share_oracle),
                    "the swap prices the share at this oracle",
                );
            }
        }
        let decimals = |a: Option<usize>| a.map_or(18, |a| aspecs[a].decimals);
        IssuerSpec {
            name: f.name.to_string(),
            chain: ChainId(id(chain)),
            stable: AssetId(id(stable)),
            stable_decimals: decimals(stable),
            share: AssetId(id(share)),
            share_decimals: decimals(share),
            share_oracle: OracleId(id(oracle)),
            spread: ppm(f.spread),
            capacity_per_block: atoms(f.capacity_per_block, decimals(stable)),
            halt_tick: f.halt_at_s.map(|s| s * 1_000 / self.tick_ms.max(1)),
        }
    }

    /// The venue agent `i` trades `asset` on: a pool whose base is the asset.
    fn base_venue(
        &mut self,
        path: String,
        asset: Option<usize>,
        venue: &str,
        n: &Names<'_>,
        vspecs: &[VenueSpec],
        aspecs: &[AssetSpec],
    ) -> Option<usize> {
        let v = self.find(path.clone(), "venue", venue, n.venues)?;
        if let Some(a) = asset.filter(|&a| vspecs[v].base.index() != a) {
            self.push(
                path,
                &format!("a venue trading {}", aspecs[a].name),
                &format!("\"{venue}\""),
                "the pool's base must be the asset traded",
            );
        }
        Some(v)
    }

    /// Holders who sell: price-triggered (optionally running by the herd rule) and on
    /// schedule.
    pub(super) fn seller(
        &mut self,
        i: usize,
        a: &AgentFile,
        n: &Names<'_>,
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> Option<AgentSpec> {
        let AgentFile::Seller {
            name,
            asset,
            venue,
            holding,
            below_usd,
            per_block_usd,
            from_s,
            run,
            sales,
            watch,
        } = a
        else {
            return None;
        };
        let watch = watch
            .iter()
            .enumerate()
            .filter_map(|(k, p)| {
                self.find(format!("agent[{i}].watch[{k}]"), "protocol", p, n.protocols)
                    .map(|p| ProtocolId(id(Some(p))))
            })
            .collect();
        let at = format!("agent[{i}]");
        let x = self.find(format!("{at}.asset"), "asset", asset, n.assets);
        let v = self.base_venue(format!("{at}.venue"), x, venue, n, vspecs, aspecs);
        if sales.is_empty() && *below_usd <= 0.0 && *per_block_usd <= 0.0 {
            self.push(
                format!("{at}.below_usd"),
                "`below_usd` and `per_block_usd`, or scheduled `sales`",
                &format!("below_usd = {below_usd}, per_block_usd = {per_block_usd}"),
                "a seller that never sells changes nothing: give it a trigger or a schedule",
            );
        }
        let d = x.map_or(18, |x| aspecs[x].decimals);
        let sales = self.sales(&at, sales, d);
        let run = run.as_ref().map(|r| self.holders_run(&at, r));
        Some(AgentSpec::Seller(SellerSpec {
            name: name.clone(),
            asset: AssetId(id(x)),
            venue: VenueId(id(v)),
            holding: atoms(*holding, d),
            below: price(*below_usd),
            per_block: dollars(*per_block_usd),
            from_tick: from_s * 1_000 / self.tick_ms.max(1),
            run,
            sales,
            watch,
        }))
    }

    /// Scheduled sales: in time order, inside the run.
    fn sales(&mut self, at: &str, sales: &[SaleFile], decimals: u8) -> Vec<(u64, i128)> {
        let mut out = Vec::new();
        for (k, sale) in sales.iter().enumerate() {
            if k > 0 && sale.at_s < sales[k - 1].at_s {
                self.push(
                    format!("{at}.sales[{k}].at_s"),
                    &format!("no earlier than the sale before ({} s)", sales[k - 1].at_s),
                    &format!("{} s", sale.at_s),
                    "list the sales in time order",
                );
            }
            if sale.at_s >= self.f.duration_s {
                self.push(
                    format!("{at}.sales[{k}].at_s"),
                    &format!("a time inside the run (< {} s)", self.f.duration_s),
                    &format!("{} s", sale.at_s),
                    "a sale after the end never happens: drop it or lengthen duration_s",
                );
            }
            out.push((
                sale.at_s * 1_000 / self.tick_ms.max(1),
                atoms(sale.amount, decimals),
            ));
        }
        out
    }

    fn holders_run(&mut self, at: &str, r: &RunFile) -> (u32, faultline_world::herd::HerdSpec) {
        if r.utilization_trigger.is_some() {
            self.push(
                format!("{at}.run.utilization_trigger"),
                "no utilization trigger: holders run on the price",
                "a utilization trigger",
                "only a lending reserve's depositors watch utilization; drop it",
            );
        }
        (
            r.holders,
            faultline_world::herd::HerdSpec {
                base: r.base,
                herd: r.herd,
            },
        )
    }

    /// A reserve that buys below a level.
    pub(super) fn buyer(
        &mut self,
        i: usize,
        a: &AgentFile,
        n: &Names<'_>,
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> Option<AgentSpec> {
        let AgentFile::Buyer {
            name,
            asset,
            venue,
            capital,
            below_usd,
            per_block_usd,
            from_s,
        } = a
        else {
            return None;
        };
        let at = format!("agent[{i}]");
        let x = self.find(format!("{at}.asset"), "asset", asset, n.assets);
        let v = self.base_venue(format!("{at}.venue"), x, venue, n, vspecs, aspecs);
        let quote_decimals = v.map_or(18, |v| aspecs[vspecs[v].quote.index()].decimals);
        Some(AgentSpec::Buyer(BuyerSpec {
            name: name.clone(),
            asset: AssetId(id(x)),
            venue: VenueId(id(v)),
            capital: atoms(*capital, quote_decimals),
            below: price(*below_usd),
            per_block: dollars(*per_block_usd),
            from_tick: from_s * 1_000 / self.tick_ms.max(1),
        }))
    }

    /// An arbitrageur of an issuer's swap: the protocol must be an issuer, the venues
    /// must sell its stablecoin and its share, quoted in one asset.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn issuer_arbitrageur(
        &mut self,
        i: usize,
        a: &AgentFile,
        n: &Names<'_>,
        protocols: &[&str],
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
        pspecs: &[ProtocolSpec],
    ) -> Option<AgentSpec> {
        let AgentFile::IssuerArbitrageur {
            name,
            protocol,
            stable_venue,
            share_venue,
            capital,
        } = a
        else {
            return None;
        };
        let at = format!("agent[{i}]");
        let p = self.find(format!("{at}.protocol"), "protocol", protocol, protocols);
        let issuer = match p.map(|p| pspecs.get(p)) {
            Some(Some(ProtocolSpec::Issuer(is))) => Some(is),
            Some(_) => {
                self.push(
                    format!("{at}.protocol"),
                    "a protocol of kind `issuer`",
                    &format!("\"{protocol}\""),
                    "only an algorithmic issuer has a swap to arbitrage",
                );
                None
            }
            None => None,
        };
        let (stable, share) = (
            issuer.map(|is| is.stable.index()),
            issuer.map(|is| is.share.index()),
        );
        let sv = self.base_venue(
            format!("{at}.stable_venue"),
            stable,
            stable_venue,
            n,
            vspecs,
            aspecs,
        );
        let hv = self.base_venue(
            format!("{at}.share_venue"),
            share,
            share_venue,
            n,
            vspecs,
            aspecs,
        );
        if let (Some(sv), Some(hv)) = (sv, hv) {
            if vspecs[sv].quote != vspecs[hv].quote {
                self.push(
                    format!("{at}.share_venue"),
                    &format!(
                        "a pool quoted in {}, as the stablecoin's is",
                        aspecs[vspecs[sv].quote.index()].name
                    ),
                    &format!("\"{share_venue}\""),
                    "the arbitrageur's capital is the pools' common quote asset",
                );
            }
        }
        let quote_decimals = sv.map_or(18, |v| aspecs[vspecs[v].quote.index()].decimals);
        Some(AgentSpec::IssuerArbitrageur(IssuerArbitrageurSpec {
            name: name.clone(),
            protocol: ProtocolId(id(p)),
            stable_venue: VenueId(id(sv)),
            share_venue: VenueId(id(hv)),
            capital: atoms(*capital, quote_decimals),
        }))
    }

    /// A `[[protocol]]` of kind `issuer`.
    pub(super) fn issuer_protocol(
        &mut self,
        i: usize,
        p: &ProtocolFile,
        n: &Names<'_>,
        ospecs: &[OracleSpec],
        aspecs: &[AssetSpec],
    ) -> Option<ProtocolSpec> {
        let ProtocolFile::Issuer {
            name,
            chain,
            stablecoin,
            share,
            share_oracle,
            spread,
            capacity_per_block,
            halt_at_s,
        } = p
        else {
            return None;
        };
        let f = IssuerFile {
            name,
            chain,
            stablecoin,
            share,
            share_oracle,
            spread: *spread,
            capacity_per_block: *capacity_per_block,
            halt_at_s: *halt_at_s,
        };
        Some(ProtocolSpec::Issuer(self.issuer(i, &f, n, ospecs, aspecs)))
    }
}
